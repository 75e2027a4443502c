package snmp

import "errors"

// Errors callers branch on. A device or table error wraps one of them; its
// message names the device address and the table, never a secret.
var (
	// ErrConfig is a configuration that does not validate.
	ErrConfig = errors.New("snmp: invalid configuration")
	// ErrSecret is a community or key file or variable that cannot be read.
	ErrSecret = errors.New("snmp: cannot read secret")
	// ErrNoResponse is a device that did not answer within the timeout and
	// retries: unreachable, or refusing the community or credentials.
	ErrNoResponse = errors.New("snmp: no response")
	// ErrAgent is an error status in a response (genErr, noAccess, authorizationError…).
	ErrAgent = errors.New("snmp: agent error")
	// ErrLoop is a walk whose next OID does not increase.
	ErrLoop = errors.New("snmp: OID not increasing")
	// ErrTooLarge is a table with more rows than max_rows.
	ErrTooLarge = errors.New("snmp: table too large")
	// ErrBadValue is a variable of the wrong type or an undecodable index.
	ErrBadValue = errors.New("snmp: bad value")
	// ErrAllFailed is a run in which no device could be read.
	ErrAllFailed = errors.New("snmp: every device failed")
)

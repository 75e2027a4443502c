package vsphere

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Errors callers branch on. A collection error wraps exactly one of them
// (and the underlying cause); its message names the vCenter URL, without
// credentials, and what was being done.
var (
	// ErrConfig is a configuration that does not validate.
	ErrConfig = errors.New("vsphere: invalid configuration")
	// ErrSecret is a password file or variable that cannot be read.
	ErrSecret = errors.New("vsphere: cannot read password")
	// ErrUnreachable is a vCenter that cannot be reached or does not speak
	// the vSphere API at that URL (refused, reset, unknown host, bad path).
	ErrUnreachable = errors.New("vsphere: vCenter unreachable")
	// ErrTLS is a vCenter certificate that does not verify.
	ErrTLS = errors.New("vsphere: TLS verification failed")
	// ErrAuth is a login refused (InvalidLogin) or a session that cannot be
	// re-established.
	ErrAuth = errors.New("vsphere: authentication failed")
	// ErrTimeout is a call that did not complete within Timeout.
	ErrTimeout = errors.New("vsphere: timeout")
	// ErrPermission is an account not allowed to read what must be read.
	ErrPermission = errors.New("vsphere: permission denied")
	// ErrNoTagging is a vCenter (or an ESXi host) without the vAPI
	// tagging endpoint: VM tags cannot be read, the rest can.
	ErrNoTagging = errors.New("vsphere: no vAPI tagging endpoint")
	// ErrAPI is any other fault returned by the vSphere API.
	ErrAPI = errors.New("vsphere: API error")
	// ErrSessionExpired is a session vCenter no longer knows (NotAuthenticated).
	// Collect logs in again by itself; Watch returns it, and the next
	// Collect logs in again.
	ErrSessionExpired = errors.New("vsphere: session expired")
)

// classify wraps err with the sentinel that describes it, the vCenter URL
// and the operation. An error already classified is returned unchanged.
func (c *Collector) classify(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrConfig, ErrSecret, ErrUnreachable, ErrTLS, ErrAuth, ErrTimeout, ErrPermission, ErrNoTagging, ErrAPI, ErrSessionExpired} {
		if errors.Is(err, s) {
			return err
		}
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("vsphere: %s: %s: %w", c.url, op, err)
	}
	var np *types.NoPermission
	if _, ok := fault.As(err, &np); ok && np.PrivilegeId != "" {
		op += " (needs privilege " + np.PrivilegeId + ")"
	}
	return fmt.Errorf("%w: %s: %s: %w", sentinel(err), c.url, op, err)
}

// sentinel picks the sentinel error for a cause.
func sentinel(err error) error {
	switch {
	case fault.Is(err, &types.InvalidLogin{}):
		return ErrAuth
	case fault.Is(err, &types.NotAuthenticated{}):
		return ErrSessionExpired
	case fault.Is(err, &types.NoPermission{}):
		return ErrPermission
	case fault.Is(err, &types.RequestCanceled{}):
		return ErrAPI
	case isTLS(err):
		return ErrTLS
	case isTimeout(err):
		return ErrTimeout
	case soap.IsSoapFault(err) || soap.IsVimFault(err):
		return ErrAPI
	default:
		return ErrUnreachable
	}
}

func isTLS(err error) bool {
	var (
		verify *tls.CertificateVerificationError
		record tls.RecordHeaderError
		alert  tls.AlertError
		inval  x509.CertificateInvalidError
	)
	return soap.IsCertificateUntrusted(err) ||
		errors.As(err, &verify) || errors.As(err, &record) ||
		errors.As(err, &alert) || errors.As(err, &inval)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

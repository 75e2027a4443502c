package check

// CheckSecrets reads the webhook's signing key, as a delivery would, and
// returns the error, if any (naming the file or variable, never the
// content); the key itself is dropped.
func (c WebhookConfiguration) CheckSecrets() error {
	_, err := c.secret()
	return err
}

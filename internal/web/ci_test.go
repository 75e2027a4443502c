package web

import "os"

// isCI reports whether the tests run in CI, where nothing may be skipped.
func isCI() bool { return os.Getenv("CI") == "true" }

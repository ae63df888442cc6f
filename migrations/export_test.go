package migrations

// UpTo lets the external tests stop migrating at an older version.
var UpTo = upTo

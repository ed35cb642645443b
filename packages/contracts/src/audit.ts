/* The append-only, hash-chained audit log (issue #8) and versioned policy texts. */
export {};

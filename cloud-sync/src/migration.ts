/**
 * A migration's statements for each dialect, or one list for `both` (SQLite gives BIGINT columns integer affinity, so
 * where the dialects differ only by BIGINT one list serves).
 */
export type Migration = { sqlite: readonly string[]; postgres: readonly string[] } | { both: readonly string[] };

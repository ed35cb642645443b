/*
 * Data-subject rights (issue #8): requests (access/export, rectification, erasure, objection), their status, and
 * the export document of everything held about a person. Owned by the DSR work.
 */
export {};

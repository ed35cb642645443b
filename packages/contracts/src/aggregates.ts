/* Privacy-protected aggregates (issue #8): k-suppressed, noised zone footfall, dwell and heatmaps, and the ε ledger. */
export {};

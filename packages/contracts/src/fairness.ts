/* The fairness and transparency report of a recommendation model (issue #8). */
export {};

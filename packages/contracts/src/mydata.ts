/* The "my data" page's API: what a person sees and changes with their personal link (issue #8). */
export {};

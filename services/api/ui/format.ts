/**
 * How the insights pages print numbers. DOM-free, so the browser test formats the API's numbers the same way
 * when it compares them with what the page shows.
 */
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const formatCount = (value: number): string => integer.format(value);

/** A ratio (0..1) as a percentage with one decimal: 0.4167 → "41.7 %". */
export const formatPercent = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;

/** part ÷ whole, 0 when there is no whole (no division by zero on an empty email or tile). */
export const shareOf = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

// Short display of credit amounts ("1.2K"), the seed's CreditFormatter.formatAmount without its
// flaws. The seed divided floats and called toFixed(1): 1,150 showed as "1.1K" but 1,250 as
// "1.3K" (1.15 is stored just below itself), 999,950 showed as "1000.0K", whole thousands as
// "1.0K", negative amounts were never shortened, and amounts under 1,000 went through
// toLocaleString (a "1,5" in some locales, three decimals at most). Here the rounding is done on
// the amount's decimal digits, half away from zero, so every amount shows the same way
// everywhere.

const SUFFIXES = ["", "K", "M", "B", "T"] as const;

export interface FormatCreditsOptions {
  /**
   * Amounts whose magnitude is below this are shown in full (default and least 1,000; e.g.
   * 10,000 shows 9,999 as `9999`). `Infinity` never shortens.
   */
  shortenFrom?: number;
}

/**
 * Formats a credit amount for display: in full under 1,000 (`999`, `12.5`, `-3`), otherwise
 * with one decimal, rounded half away from zero, a trailing `.0` dropped, and K, M, B or T
 * (`1K`, `1.2K`, `1.3K` for 1,250, `-45.7K`, `1M` for 999,950, `2.5B`). Not-finite numbers are
 * returned as `String(amount)`.
 */
export function formatCredits(amount: number, options: FormatCreditsOptions = {}): string {
  if (!Number.isFinite(amount)) {
    return String(amount);
  }

  const { negative, whole, fraction } = decimalDigits(amount);
  const sign = negative && (whole !== "0" || /[1-9]/.test(fraction)) ? "-" : "";
  const shortenFrom = options.shortenFrom ?? 1000;
  if (Math.abs(amount) < shortenFrom || whole.length <= 3) {
    return sign + whole + (fraction.length > 0 ? "." + fraction : "");
  }

  let group = Math.min(Math.floor((whole.length - 1) / 3), SUFFIXES.length - 1);
  let tenths = roundToTenths(whole, fraction, group);
  if (tenths >= 10_000n && group < SUFFIXES.length - 1) {
    // 999,950 rounds to 1000.0K: that is 1M.
    group += 1;
    tenths = roundToTenths(whole, fraction, group);
  }

  const units = tenths / 10n;
  const tenth = tenths % 10n;
  return sign + units.toString() + (tenth === 0n ? "" : "." + tenth.toString()) + SUFFIXES[group];
}

/** The magnitude divided by 1000^group, in tenths, rounded half away from zero. */
function roundToTenths(whole: string, fraction: string, group: number): bigint {
  const split = whole.length - 3 * group;
  const units = split > 0 ? whole.slice(0, split) : "0";
  const rest = (split > 0 ? whole.slice(split) : "0".repeat(-split) + whole) + fraction;
  const tenth = rest.charAt(0) || "0";
  const next = rest.charAt(1) || "0";
  return BigInt(units + tenth) + (next >= "5" ? 1n : 0n);
}

/**
 * The exact decimal digits JavaScript prints for a number (the shortest that read back as the
 * same double, which for an amount Tally sent is the amount it sent), exponent notation
 * expanded.
 */
function decimalDigits(amount: number): { negative: boolean; whole: string; fraction: string } {
  const negative = amount < 0 || Object.is(amount, -0);
  const text = String(Math.abs(amount));
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (match === null) {
    throw new Error(`Unexpected number format: ${text}`);
  }

  let digits = match[1]! + (match[2] ?? "");
  let point = match[1]!.length + Number(match[3] ?? "0");
  if (point <= 0) {
    digits = "0".repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits = digits + "0".repeat(point - digits.length);
  }

  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const fraction = digits.slice(point).replace(/0+$/, "");
  return { negative, whole, fraction };
}

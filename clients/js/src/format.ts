// Short display of credit amounts ("1.2K"), the seed's CreditFormatter.formatAmount without its
// flaws. The seed divided floats and called toFixed(1): 1,150 showed as "1.1K" but 1,250 as
// "1.3K" (1.15 is stored just below itself), 999,950 showed as "1000.0K", whole thousands as
// "1.0K", negative amounts were never shortened, and amounts under 1,000 went through
// toLocaleString (three decimals at most). Here the rounding is done on the amount's decimal
// digits and always DOWN (toward negative infinity), the rule Tally's server uses too
// (CreditFormat.Compact): what is shown is never more than what there is, so a balance never
// looks bigger (1,250 → "1.2K", 999,950 → "999.9K") and a debt never looks smaller
// (-1,250 → "-1.3K").

const SUFFIXES = ["", "K", "M", "B", "T"] as const;

export interface FormatCreditsOptions {
  /**
   * Amounts whose magnitude is below this are shown in full (default and least 1,000; e.g.
   * 10,000 shows 9,999 as `9999`). `Infinity` never shortens.
   */
  shortenFrom?: number;
  /**
   * A BCP 47 locale whose decimal separator to use (`"de-DE"` → `1,2K`); default `.`. The
   * suffixes and the digits do not change, and amounts are never grouped.
   */
  locale?: string;
}

/**
 * Formats a credit amount for display: in full under 1,000 (`999`, `12.5`, `-3`), otherwise
 * with one decimal, rounded down, a trailing `.0` dropped, and K, M, B or T (`1K`, `1.2K` for
 * 1,250, `999.9K` for 999,950, `-1.3K` for -1,250, `2.5B`). Not-finite numbers are returned as
 * `String(amount)`.
 */
export function formatCredits(amount: number, options: FormatCreditsOptions = {}): string {
  if (!Number.isFinite(amount)) {
    return String(amount);
  }

  const { negative, whole, fraction } = decimalDigits(amount);
  const sign = negative && (whole !== "0" || /[1-9]/.test(fraction)) ? "-" : "";
  const shortenFrom = options.shortenFrom ?? 1000;
  const point = decimalSeparator(options.locale);
  if (Math.abs(amount) < shortenFrom || whole.length <= 3) {
    return sign + whole + (fraction.length > 0 ? point + fraction : "");
  }

  let group = Math.min(Math.floor((whole.length - 1) / 3), SUFFIXES.length - 1);
  let tenths = roundToTenths(whole, fraction, group, negative);
  if (tenths >= 10_000n && group < SUFFIXES.length - 1) {
    // -999,950 rounds down to -1000.0K: that is -1M.
    group += 1;
    tenths = roundToTenths(whole, fraction, group, negative);
  }

  const units = tenths / 10n;
  const tenth = tenths % 10n;
  return sign + units.toString() + (tenth === 0n ? "" : point + tenth.toString()) + SUFFIXES[group];
}

/**
 * The magnitude divided by 1000^group, in tenths, rounded down for a positive amount and up for
 * a negative one (so the signed amount is rounded down).
 */
function roundToTenths(whole: string, fraction: string, group: number, negative: boolean): bigint {
  const split = whole.length - 3 * group;
  const units = split > 0 ? whole.slice(0, split) : "0";
  const rest = (split > 0 ? whole.slice(split) : "0".repeat(-split) + whole) + fraction;
  const tenth = rest.charAt(0) || "0";
  const dropped = /[1-9]/.test(rest.slice(1));
  return BigInt(units + tenth) + (negative && dropped ? 1n : 0n);
}

function decimalSeparator(locale: string | undefined): string {
  if (locale === undefined) {
    return ".";
  }

  return new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === "decimal")?.value ?? ".";
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

import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCredits } from "@tally/client";

test("amounts under 1,000 show in full, decimals included", () => {
  assert.equal(formatCredits(0), "0");
  assert.equal(formatCredits(7), "7");
  assert.equal(formatCredits(999), "999");
  assert.equal(formatCredits(999.5), "999.5");
  assert.equal(formatCredits(0.25), "0.25");
  assert.equal(formatCredits(0.000001), "0.000001");
  assert.equal(formatCredits(-3), "-3");
  assert.equal(formatCredits(-0), "0");
});

test("thousands show as K with one decimal, a trailing .0 dropped", () => {
  assert.equal(formatCredits(1000), "1K");
  assert.equal(formatCredits(1234), "1.2K");
  assert.equal(formatCredits(1049), "1K");
  assert.equal(formatCredits(12_345), "12.3K");
  assert.equal(formatCredits(999_949), "999.9K");
});

test("rounding is down on the decimal digits, never up, never on a float", () => {
  // The seed's (x / 1000).toFixed(1) gave "1.1K" for 1,150 (1.15 is stored as 1.1499…) but
  // "1.3K" for 1,250, and "1000.0K" for 999,950: balances shown bigger than they were.
  assert.equal(formatCredits(1050), "1K");
  assert.equal(formatCredits(1150), "1.1K");
  assert.equal(formatCredits(1250), "1.2K");
  assert.equal(formatCredits(1999.95), "1.9K");
  assert.equal(formatCredits(999_950), "999.9K");
  assert.equal(formatCredits(999_999_999), "999.9M");
});

test("a negative amount that rounds down to -1,000 of a unit moves to the next unit", () => {
  assert.equal(formatCredits(-999_950), "-1M");
  assert.equal(formatCredits(-999_950_000), "-1B");
});

test("a locale sets the decimal separator", () => {
  assert.equal(formatCredits(1234, { locale: "de-DE" }), "1,2K");
  assert.equal(formatCredits(12.5, { locale: "de-DE" }), "12,5");
  assert.equal(formatCredits(1234, { locale: "en-US" }), "1.2K");
});

test("millions, billions and trillions", () => {
  assert.equal(formatCredits(1_000_000), "1M");
  assert.equal(formatCredits(1_250_000), "1.2M");
  assert.equal(formatCredits(2_500_000_000), "2.5B");
  assert.equal(formatCredits(7_100_000_000_000), "7.1T");
});

test("negative amounts are shortened too, rounded down (a debt never looks smaller)", () => {
  assert.equal(formatCredits(-1234), "-1.3K");
  assert.equal(formatCredits(-1250), "-1.3K");
  assert.equal(formatCredits(-1200), "-1.2K");
  assert.equal(formatCredits(-0.5), "-0.5");
});

test("shortenFrom keeps larger amounts in full", () => {
  assert.equal(formatCredits(9999, { shortenFrom: 10_000 }), "9999");
  assert.equal(formatCredits(10_000, { shortenFrom: 10_000 }), "10K");
  assert.equal(formatCredits(123_456_789, { shortenFrom: Infinity }), "123456789");
});

test("numbers JavaScript prints with an exponent are expanded", () => {
  assert.equal(formatCredits(5e-7), "0.0000005");
  assert.equal(formatCredits(1e21), "1000000000T");
  assert.equal(formatCredits(NaN), "NaN");
});

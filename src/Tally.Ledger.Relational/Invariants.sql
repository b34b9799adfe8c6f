-- Invariant queries of the README's invariants, written once in SQL that both SQLite and PostgreSQL accept.
-- Every join between account-owned tables names the account too (a burn, pin or lot of another
-- account counts as missing), so on Citus each join runs on the account's shard (docs/scaling.md).
-- Each query returns only violations, as (account, unit, expected, actual, item):
-- `item` is the lot or hold the violation is about, or NULL. Each query follows a line naming it
-- (see Verification/Checks.cs for what each name means).

-- check: journal_sum
SELECT a.external_id AS account, b.unit AS unit, b.balance AS expected,
       CAST(COALESCE(e.total, 0) AS BIGINT) AS actual, NULL AS item
FROM balances b
JOIN accounts a ON a.id = b.account_id
LEFT JOIN (SELECT account_id, unit, SUM(amount) AS total FROM entries GROUP BY account_id, unit) e
  ON e.account_id = b.account_id AND e.unit = b.unit
WHERE b.balance <> COALESCE(e.total, 0)
UNION ALL
SELECT a.external_id, e.unit, 0, CAST(SUM(e.amount) AS BIGINT), NULL
FROM entries e
JOIN accounts a ON a.id = e.account_id
WHERE NOT EXISTS (SELECT 1 FROM balances b WHERE b.account_id = e.account_id AND b.unit = e.unit)
GROUP BY a.external_id, e.unit;

-- check: newest_balance_after
SELECT a.external_id AS account, b.unit AS unit, b.balance AS expected, e.balance_after AS actual, NULL AS item
FROM balances b
JOIN accounts a ON a.id = b.account_id
JOIN (SELECT account_id, unit, MAX(seq) AS seq FROM entries GROUP BY account_id, unit) m
  ON m.account_id = b.account_id AND m.unit = b.unit
JOIN entries e ON e.account_id = m.account_id AND e.seq = m.seq
WHERE e.balance_after <> b.balance;

-- check: lots_match_balance
SELECT a.external_id AS account, b.unit AS unit, b.balance AS expected,
       CAST(COALESCE(l.remaining, 0) + COALESCE(h.pinned, 0) - b.debt AS BIGINT) AS actual, NULL AS item
FROM balances b
JOIN accounts a ON a.id = b.account_id
LEFT JOIN (SELECT account_id, unit, SUM(remaining) AS remaining FROM lots GROUP BY account_id, unit) l
  ON l.account_id = b.account_id AND l.unit = b.unit
LEFT JOIN (SELECT account_id, unit, SUM(amount - unbacked) AS pinned FROM holds WHERE status = 'active' GROUP BY account_id, unit) h
  ON h.account_id = b.account_id AND h.unit = b.unit
WHERE b.balance <> COALESCE(l.remaining, 0) + COALESCE(h.pinned, 0) - b.debt;

-- check: overdraft
-- A clawback under the debt policy owes what the lots could not cover whatever the limit (it is
-- not the customer spending), so the bound is the limit plus the debt clawbacks created: each
-- clawback entry's amount less what its burns took from lots. Credits in repay any debt first and
-- charges never go past the limit themselves, so the debt can never exceed that sum.
SELECT a.external_id AS account, b.unit AS unit, CAST(a.overdraft_limit * u.scale + COALESCE(c.owed, 0) AS BIGINT) AS expected,
       CAST(b.debt + COALESCE(h.unbacked, 0) AS BIGINT) AS actual, NULL AS item
FROM balances b
JOIN accounts a ON a.id = b.account_id
JOIN units u ON u.unit_key = b.unit
LEFT JOIN (SELECT account_id, unit, SUM(unbacked) AS unbacked FROM holds WHERE status = 'active' GROUP BY account_id, unit) h
  ON h.account_id = b.account_id AND h.unit = b.unit
LEFT JOIN (SELECT e.account_id, e.unit, SUM(-e.amount - COALESCE(bu.burned, 0)) AS owed
           FROM entries e
           LEFT JOIN (SELECT entry_id, account_id, SUM(amount) AS burned FROM burns GROUP BY entry_id, account_id) bu
             ON bu.entry_id = e.id AND bu.account_id = e.account_id
           WHERE e.type = 'clawback'
           GROUP BY e.account_id, e.unit) c
  ON c.account_id = b.account_id AND c.unit = b.unit
WHERE b.debt < 0 OR b.debt + COALESCE(h.unbacked, 0) > a.overdraft_limit * u.scale + COALESCE(c.owed, 0);

-- check: lot_bounds
SELECT a.external_id AS account, l.unit AS unit, l.amount AS expected, l.remaining AS actual, l.id AS item
FROM lots l
JOIN accounts a ON a.id = l.account_id
WHERE l.remaining < 0 OR l.remaining > l.amount OR l.amount <= 0;

-- check: lot_lineage
SELECT a.external_id AS account, l.unit AS unit, l.amount - l.remaining AS expected,
       CAST(COALESCE(bu.burned, 0) + COALESCE(p.pinned, 0) AS BIGINT) AS actual, l.id AS item
FROM lots l
JOIN accounts a ON a.id = l.account_id
LEFT JOIN (SELECT account_id, lot_id, SUM(amount) AS burned FROM burns GROUP BY account_id, lot_id) bu
  ON bu.account_id = l.account_id AND bu.lot_id = l.id
LEFT JOIN (SELECT hl.account_id, hl.lot_id, SUM(hl.amount) AS pinned
           FROM hold_pins hl JOIN holds h ON h.account_id = hl.account_id AND h.id = hl.hold_id
           WHERE h.status = 'active' GROUP BY hl.account_id, hl.lot_id) p ON p.account_id = l.account_id AND p.lot_id = l.id
WHERE l.amount - l.remaining <> COALESCE(bu.burned, 0) + COALESCE(p.pinned, 0);

-- check: hold_pins
SELECT a.external_id AS account, h.unit AS unit, h.amount AS expected,
       CAST(COALESCE(p.pinned, 0) + h.unbacked AS BIGINT) AS actual, h.id AS item
FROM holds h
JOIN accounts a ON a.id = h.account_id
LEFT JOIN (SELECT account_id, hold_id, SUM(amount) AS pinned FROM hold_pins GROUP BY account_id, hold_id) p
  ON p.account_id = h.account_id AND p.hold_id = h.id
WHERE h.amount <> COALESCE(p.pinned, 0) + h.unbacked OR h.captured < 0 OR h.captured > h.amount;

-- check: account_seq
-- account_seqs is each store's view of an account's seq (SQLite reads it back from the journal).
SELECT a.external_id AS account, NULL AS unit, s.seq AS expected, m.seq AS actual, NULL AS item
FROM accounts a
JOIN account_seqs s ON s.account_id = a.id
JOIN (SELECT account_id, MAX(seq) AS seq FROM entries GROUP BY account_id) m ON m.account_id = a.id
WHERE m.seq > s.seq;

-- check: journal_keys
-- Two entries with one id, or two entries of one account with one seq. On PostgreSQL the unique
-- keys include the partition key since migration 0014 ((id, created_at), (account_id, seq,
-- created_at)), so they no longer catch such a pair in different months; the engine never writes
-- one (random ids, seqs numbered under the account's row lock), and this check proves it.
SELECT COALESCE(MIN(a.external_id), '?') AS account, NULL AS unit, 1 AS expected, CAST(COUNT(*) AS BIGINT) AS actual, e.id AS item
FROM entries e
LEFT JOIN accounts a ON a.id = e.account_id
GROUP BY e.id
HAVING COUNT(*) > 1
UNION ALL
SELECT COALESCE(MIN(a.external_id), CAST(e.account_id AS TEXT)), NULL, 1, CAST(COUNT(*) AS BIGINT), NULL
FROM entries e
LEFT JOIN accounts a ON a.id = e.account_id
GROUP BY e.account_id, e.seq
HAVING COUNT(*) > 1;

-- check: transfers_balance
SELECT MIN(a.external_id) AS account, MIN(e.unit) AS unit, 2 AS expected,
       CAST(COUNT(*) AS BIGINT) AS actual, NULL AS item
FROM entries e
JOIN accounts a ON a.id = e.account_id
WHERE e.transfer_id IS NOT NULL
GROUP BY e.transfer_id
HAVING COUNT(*) <> 2 OR SUM(e.amount) <> 0;

-- check: references
-- Rows whose references the PostgreSQL schema leaves to the engine (see its migration 0003). The
-- account is named by its external id when it exists, else by its internal id. Joins go by
-- primary key only, so the plan stays an index probe or a hash join even on stale statistics
-- (a correlated EXISTS on (id, account_id) once picked the (account_id, seq) index and scanned
-- every entry of the account per burn).
SELECT COALESCE(a.external_id, CAST(e.account_id AS TEXT)) AS account, e.unit AS unit, 1 AS expected, 0 AS actual, e.id AS item
FROM entries e
LEFT JOIN accounts a ON a.id = e.account_id
WHERE a.id IS NULL OR NOT EXISTS (SELECT 1 FROM units u WHERE u.unit_key = e.unit)
UNION ALL
SELECT COALESCE(a.external_id, CAST(b.account_id AS TEXT)), NULL, 1, 0, b.entry_id
FROM burns b
LEFT JOIN entries e ON e.account_id = b.account_id AND e.id = b.entry_id
LEFT JOIN lots l ON l.account_id = b.account_id AND l.id = b.lot_id
LEFT JOIN accounts a ON a.id = b.account_id
WHERE e.id IS NULL OR l.id IS NULL
UNION ALL
SELECT a.external_id, l.unit, 1, 0, l.id
FROM lots l
JOIN accounts a ON a.id = l.account_id
WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.unit_key = l.unit)
UNION ALL
SELECT a.external_id, h.unit, 1, 0, h.id
FROM holds h
JOIN accounts a ON a.id = h.account_id
WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.unit_key = h.unit);

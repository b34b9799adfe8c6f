-- Credits keep their terms wherever they move: whether a lot's credits were paid for (purchase,
-- subscription) or granted, inherited by the lots a reversal or transfer creates (see the
-- PostgreSQL migration 0005). Refund and transfer lots made before this count as granted.
ALTER TABLE lots ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
UPDATE lots SET paid = 1 WHERE source IN ('purchase', 'subscription');

-- Credits keep their terms wherever they move. A lot records whether its credits were paid for
-- (purchase, subscription) or granted; a reversal or transfer creates lots that inherit it (and
-- the scope and expiry) from the lots that paid, so paid credits stay paid through refunds and
-- transfers. Existing lots take it from their source; refund and transfer lots made before this
-- migration count as granted.
ALTER TABLE lots ADD COLUMN paid boolean NOT NULL DEFAULT false;
UPDATE lots SET paid = true WHERE source IN ('purchase', 'subscription');

-- cvebuster-outbox schema, version 9: recent lookup pairs move into `finding_keys` a slice of
-- the key space at a time.
--
-- Until version 8, once `recent_keys` held an eighth as many pairs as the outbox has rows,
-- the enqueue that noticed moved all of them: at ten million rows one pass over the ~200 MB of
-- `finding_keys` (4 to 6 s) landing on whichever enqueue came next, every 1.25 million new keys.
-- Now each move of fresh pairs into `recent_keys` (every 131,072 new keys) is followed by the
-- move of the recent pairs in the next slice of key hashes: the key space is cut into as many
-- slices as there are 131,072 in an eighth of the rows, so the slices go round once per eighth
-- of the rows as before, and each page of `finding_keys` is written once per pass as before,
-- but spread evenly over the enqueues.
--
-- `key_merge.move_from` is the key hash the next slice starts at; slices go up to the largest
-- hash, then on from the smallest. A crash between two slices leaves the cursor where it was,
-- and the slice is moved again (its pairs already moved are no longer in `recent_keys`).

ALTER TABLE key_merge ADD COLUMN move_from INTEGER NOT NULL DEFAULT 0;

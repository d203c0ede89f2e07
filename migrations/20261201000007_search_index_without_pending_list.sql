-- The full-text index took new messages into a pending list (GIN's fastupdate) and, every time
-- the list passed 4 MB, the INSERT that crossed it merged the whole list into the index inside
-- its transaction: at 5,000 messages/s that stalled one message writer for 300-500 ms every
-- 15-25 s, which was the p99 of chat delivery (docs/performance.md). Without the pending list
-- every insert updates the index itself: a steady cost instead of stalls.
ALTER INDEX messages_search SET (fastupdate = off);

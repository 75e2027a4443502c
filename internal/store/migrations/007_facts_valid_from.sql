-- The moments the facts changed (Changes): the latest valid_from at or before
-- t and the first after it are one step down this index, as the valid_to
-- ones are down facts_valid_to_from. The graph cache keys the maps of past
-- moments by them, so every request with ?at= asks.
CREATE INDEX facts_valid_from ON facts (valid_from);

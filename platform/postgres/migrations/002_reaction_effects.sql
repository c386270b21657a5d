-- Up Migration
-- Side effects a reaction has completed (an email sent), so an event seen again after a crash
-- does not repeat them. Kept apart from the views: a rebuild must not forget what was sent.
CREATE TABLE reaction_effects (
  reaction  text NOT NULL,
  effect_id text NOT NULL,
  done_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reaction, effect_id)
);

-- Down Migration
DROP TABLE reaction_effects;

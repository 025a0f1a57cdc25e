-- Peer reviews of solutions: every reviewer's vote and the consensus with its
-- explanation (the seed's explain_consensus), kept with the task.

CREATE TABLE peer_reviews (
  id              text PRIMARY KEY,            -- the PeerReviewWorkflow's id
  task_id         text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  tenant_id       text NOT NULL,
  solution_id     uuid NOT NULL REFERENCES task_solutions (id) ON DELETE CASCADE,
  outcome         text NOT NULL CHECK (outcome IN ('approved', 'rejected', 'changes_requested', 'deadlock', 'no_quorum')),
  approve_share   numeric(4, 3) NOT NULL,
  changes_share   numeric(4, 3) NOT NULL,
  reject_share    numeric(4, 3) NOT NULL,
  quality         numeric(4, 3) NOT NULL,
  vetoed_by       text,
  explanation     text NOT NULL,
  consensus_ms    integer NOT NULL CHECK (consensus_ms >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX peer_reviews_task_idx ON peer_reviews (task_id, created_at);

CREATE TABLE peer_review_votes (
  review_id   text NOT NULL,
  role        text NOT NULL CHECK (role IN ('reviewer', 'security', 'architect', 'tester')),
  task_id     text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  verdict     text NOT NULL CHECK (verdict IN ('approve', 'request_changes', 'reject')),
  score       numeric(4, 3) NOT NULL CHECK (score BETWEEN 0 AND 1),
  reasons     jsonb NOT NULL,
  provider    text NOT NULL,
  model       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- One vote per role per review: a retried activity rewrites its own vote.
  PRIMARY KEY (review_id, role)
);

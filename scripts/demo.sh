#!/usr/bin/env bash
# The main job: set up, bring the whole local stack up, run one demo task offline, show where to watch it.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash scripts/setup.sh
golden() { node dist/cli/golden.js "$@"; }

golden stack up

# The stack writes its addresses and dev secret here; read what the demo needs.
env_value() { sed -n "s/^$1=//p" .data/stack.env | head -n 1; }
ui=$(env_value TEMPORAL_UI_URL)
namespace=$(env_value TEMPORAL_NAMESPACE)
temporal_cli=$(env_value TEMPORAL_CLI)
address=$(env_value TEMPORAL_ADDRESS)

token=$(golden token --role developer --tenant demo --subject demo-user --ttl 900)
task_id="demo-$(date +%Y%m%d-%H%M%S)"
echo "[demo] starting task $task_id (tenant demo, scripted LLM stand-in, offline)…"
GOLDEN_TOKEN="$token" golden task start --id "$task_id" --language python \
  --title "FizzBuzz" --description "Write fizzbuzz(n): Fizz for multiples of 3, Buzz for 5, FizzBuzz for both, else n." \
  --wait --timeout 180

echo "[demo] its timeline: develop → sandbox tests → security review → guards → peer review (with the reviewers' explanation):"
GOLDEN_TOKEN="$token" golden task history "$task_id"

# A second task whose review security vetoes: it escalates, and a person decides.
escalated_id="demo-esc-$(date +%Y%m%d-%H%M%S)"
echo "[demo] starting task $escalated_id, whose security reviewer will veto it (scripted-vote: security=reject)…"
GOLDEN_TOKEN="$token" golden task start --id "$escalated_id" --language python \
  --title "FizzBuzz" --description "Write fizzbuzz(n). scripted-vote: security=reject"
operator=$(golden token --role operator --tenant demo --subject demo-operator --ttl 900)
escalation="escalation-$escalated_id-1"
echo "[demo] waiting for $escalation to ask for a human decision…"
for _ in $(seq 1 120); do
  GOLDEN_TOKEN="$operator" golden escalation show "$escalation" 2>/dev/null | grep -q 'awaiting_human' && break
  sleep 1
done
GOLDEN_TOKEN="$operator" golden escalation show "$escalation"
echo "[demo] the operator accepts it with the Temporal update 'resolve' (sent by the API with the verified actor):"
GOLDEN_TOKEN="$operator" golden escalation resolve "$escalation" --action accept --comment "Checked by hand: the finding does not apply to this code."
for _ in $(seq 1 60); do
  GOLDEN_TOKEN="$token" golden task show "$escalated_id" 2>/dev/null | grep -q 'completed' && break
  sleep 1
done
GOLDEN_TOKEN="$token" golden task show "$escalated_id"

echo "[demo] the demo tenant's token budget after both tasks:"
GOLDEN_TOKEN="$token" golden budget status --tenant demo

cat <<MSG

[demo] task $task_id went through review; task $escalated_id was escalated and resolved by a human.
  workflow ids:  task-$task_id, task-$escalated_id ($escalation)
  Web UI:        $ui/namespaces/$namespace/workflows/task-$task_id
  list them:     $temporal_cli workflow list --address $address --namespace $namespace --query 'TenantId="demo"'
  show one:      bin/golden task show $task_id   (with GOLDEN_TOKEN set; mint one with bin/golden token --role developer --tenant demo)
  stop stack:    bin/golden stack down
[demo] done in $(( $(date +%s) - started ))s
MSG

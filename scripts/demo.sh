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

echo "[demo] the demo tenant's token budget after the task:"
GOLDEN_TOKEN="$token" golden budget status --tenant demo

cat <<MSG

[demo] task $task_id completed in a durable Temporal workflow.
  workflow id:   task-$task_id
  Web UI:        $ui/namespaces/$namespace/workflows/task-$task_id
  list it:       $temporal_cli workflow list --address $address --namespace $namespace --query 'TenantId="demo"'
  show it:       bin/golden task show $task_id   (with GOLDEN_TOKEN set; mint one with bin/golden token --role developer --tenant demo)
  stop stack:    bin/golden stack down
[demo] done in $(( $(date +%s) - started ))s
MSG

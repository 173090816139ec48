#!/usr/bin/env bash
# Executes the notebooks headless with the tslab kernel (quick profile unless NB_PROFILE says
# otherwise) into outputs/executed/, then checks the executed copies with jest.
# Usage: npm run test:notebooks [-- <extra jest args>]
#   NB_PROFILE=full npm run test:notebooks        # the full profile (an hour or more on 2 cores)
#   NOTEBOOKS="MNIST_Model" npm run test:notebooks  # only some notebooks
# Needs Debian's Jupyter (apt-get install jupyter-nbconvert jupyter-client); it runs on /usr/bin/python3.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

export JUPYTER_PATH="$repo/jupyter"          # our kernelspec: jupyter/kernels/tslab
export PATH="$repo/node_modules/.bin:$PATH"  # the kernelspec starts `tslab` from here
export NB_PROFILE="${NB_PROFILE:-quick}"
out="$repo/outputs/executed"

if ! /usr/bin/python3 -c 'import nbconvert, jupyter_client' 2>/dev/null; then
  echo "Jupyter is missing: run 'apt-get install -y jupyter-nbconvert jupyter-client'" >&2
  exit 1
fi

# Notebooks import the compiled library (tslab's TypeScript 5.0 ignores tsconfig.json).
npm run --silent build || exit 1

mkdir -p "$out"
status=0
# A cell of the full profile trains for up to an hour; the quick profile's cells take seconds.
timeout=1800
[ "$NB_PROFILE" = full ] && timeout=10800
for nb in ${NOTEBOOKS:-MNIST_Model EMNIST_Model Lines_Model}; do
  echo "== executing notebooks/$nb.ipynb (NB_PROFILE=$NB_PROFILE)"
  rm -f "$out/$nb.ipynb"
  start=$(date +%s)
  # nbconvert exits 1 and writes nothing when a cell fails.
  if ! /usr/bin/python3 -m jupyter nbconvert --config "$repo/jupyter/nbconvert_config.py" \
      --to notebook --execute --ExecutePreprocessor.timeout=$timeout \
      --output-dir "$out" "notebooks/$nb.ipynb"; then
    echo "notebooks/$nb.ipynb failed (see the cell error above)" >&2
    status=1
  fi
  echo "== $nb took $(( $(date +%s) - start ))s"
done

NOTEBOOK_CHECK=1 npx jest test/notebooks.test.ts "$@"
jest_status=$?
[ "$status" = 0 ] && [ "$jest_status" = 0 ]

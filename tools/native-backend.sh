#!/usr/bin/env bash
# `npm run native-backend`: builds @tensorflow/tfjs-node against the TensorFlow C library that ships inside
# the tensorflow-cpu Python wheel, for machines where tfjs-node's own install (a download from Google's
# storage) cannot run. Opt-in: about 1.4 GB of disk and a few minutes. Afterwards `npm run doctor` should
# report the 'tensorflow' backend. Undo with `npm uninstall --no-save @tensorflow/tfjs-node && npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BUILD_VENV="$ROOT/build/tensorflow-venv"
PY="${PYTHON:-python3}"

echo "[native-backend] 1/4 fetching the tensorflow-cpu wheel into build/tensorflow-venv"
[ -x "$BUILD_VENV/bin/python" ] || "$PY" -m venv "$BUILD_VENV"
"$BUILD_VENV/bin/pip" install --disable-pip-version-check --quiet --retries 0 "tensorflow-cpu==2.21.*" ${GRADSCOPE_PIP_ARGS:-}
TF_DIR="$("$BUILD_VENV/bin/python" -c 'import os, importlib.util; print(os.path.dirname(importlib.util.find_spec("tensorflow").origin))')"

echo "[native-backend] 2/4 installing @tensorflow/tfjs-node without its download step"
npm install --no-save --ignore-scripts @tensorflow/tfjs-node@4.22.0
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"

echo "[native-backend] 3/4 linking the TensorFlow C library from $TF_DIR"
mkdir -p "$PKG/deps/lib"
cp -f "$TF_DIR/libtensorflow_cc.so.2" "$TF_DIR/libtensorflow_framework.so.2" "$PKG/deps/lib/"
ln -sf libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -sf libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so.2"
ln -sf libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"
rm -rf "$PKG/deps/include" && cp -r "$TF_DIR/include" "$PKG/deps/include"

echo "[native-backend] 4/4 compiling the binding (about a minute)"
(cd "$PKG" && "$ROOT/node_modules/.bin/node-pre-gyp" install --build-from-source 2>&1 | tail -n 5) \
  || (cd "$PKG" && npx --yes node-pre-gyp install --build-from-source 2>&1 | tail -n 5)

GRADSCOPE_BACKEND=tensorflow node -e "require('./dist').ready().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })"
if [ -x node_modules/.bin/jest ]; then
  echo "[native-backend] checking that it computes what wasm computes (test/library/backends-agree.test.ts)"
  if out="$(node_modules/.bin/jest test/library/backends-agree.test.ts 2>&1)"; then
    echo "$out" | grep -E '^Tests:'
  else
    echo "$out" | tail -n 40
    echo "[native-backend] the native backend does not agree with wasm: see the test output above"
    exit 1
  fi
fi
echo "[native-backend] done: the 'tensorflow' backend loads. Restart running kernels to use it."

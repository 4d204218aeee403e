// SPDX-License-Identifier: MIT
// Run a wasm32-wasi program under Node's built-in WASI (preview1): meson's
// exe_wrapper for the wasm build. Arguments after the module go to the program;
// its exit code becomes ours. The working directory is preopened as ".".
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [modulePath, ...args] = process.argv.slice(2);
if (!modulePath) {
  console.error('usage: node run-wasi.mjs program.wasm [args...]');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...args],
  env: process.env,
  preopens: { '.': process.cwd() },
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);

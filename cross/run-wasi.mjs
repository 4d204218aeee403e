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
// Each WASI function is called through a JavaScript function of our own: Node 20's
// V8 corrupts its heap when wasm calls some of them directly (the process dies of
// SIGSEGV or SIGTRAP after the program has finished, for some of our test programs).
const imports = wasi.getImportObject();
for (const functions of Object.values(imports)) {
  for (const [name, f] of Object.entries(functions)) {
    functions[name] = (...args) => f(...args);
  }
}
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, imports);
process.exitCode = wasi.start(instance);

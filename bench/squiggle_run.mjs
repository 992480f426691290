// Runs a Squiggle program with a given sample count and prints its final value (used by assess_vs_peers.py).
// Usage: node squiggle_run.mjs PROGRAM.squiggle SAMPLES
import { readFileSync } from "node:fs";
import { run } from "@quri/squiggle-lang";

const [code, samples] = [readFileSync(process.argv[2], "utf8"), Number(process.argv[3])];
const t0 = performance.now();
const out = await run(code, { environment: { sampleCount: samples, xyPointLength: 1000, seed: "entente" } });
const ms = performance.now() - t0;
if (!out.result.ok) {
  console.error(out.result.value.toString());
  process.exit(1);
}
console.log(JSON.stringify({ ms, value: out.result.value.result.toString() }));

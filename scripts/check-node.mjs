// npm ci brings Node 24 (the `node` package in devDependencies) into node_modules/.bin; npm scripts
// put that first on PATH. Running the scripts with another Node is a setup mistake: say so plainly.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  console.error(`crossgate needs Node 24 LTS (found ${process.version}). Run \`npm ci\` and use the npm scripts, ` +
    'which put node_modules/.bin/node (Node 24) first on PATH.');
  process.exit(1);
}

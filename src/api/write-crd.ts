// Writes crds/almarestore.io_almarestores.yaml from src/api/crd.ts (the schemas of src/api/schema/): `npx tsx src/api/write-crd.ts`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CRD_FILE, crdYaml } from './crd.js';

const target = path.resolve(import.meta.dirname, '..', '..', CRD_FILE);
writeFileSync(target, crdYaml());
console.log(`wrote ${target}`);

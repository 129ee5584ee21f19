import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_DASHBOARDS, dashboardJson } from './dashboards/all-dashboards';

/** npm run dashboards: writes dashboards/*.json from scripts/dashboards (a test fails while they differ). */
const dir = join(__dirname, '..', 'dashboards');
for (const { file, build } of ALL_DASHBOARDS) {
  writeFileSync(join(dir, file), dashboardJson(build()));
  console.log(`dashboards/${file}`);
}

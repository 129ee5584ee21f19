import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { ALL_DASHBOARDS, dashboardJson } from '../../scripts/dashboards/all-dashboards';

/*
 * Grafana's dashboard schema as Grafana publishes it: @grafana/schema, the TypeScript types Grafana generates from its
 * CUE dashboard kind, at the version of the Grafana image in docker-compose.yml (11.2.0). The package ships types
 * only, no runtime validator, so the check is the TypeScript compiler's: each file is type-checked as an object
 * literal of type Dashboard (wrong types, missing required fields and unknown keys are errors), and each panel's
 * options and field config against that panel plugin's own published options type (Grafana fills the defaults of
 * the options a dashboard leaves out, hence Partial). The types use TypeScript string enums, which no JSON literal
 * can be assigned to, so Json<T> turns each enum into the union of its values (numeric enums take their numbers as
 * they are); nothing else about the types changes.
 */

const JSON_OF = [
  'type Json<T> = T extends string ? `${T}` : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
  'type Partial1<T> = { [K in keyof T]?: T[K] };',
].join('\n');

const ROOT = join(__dirname, '..', '..');
const PANEL_CFG = '@grafana/schema/dist/esm/raw/composable';
const PANEL_TYPES: Record<string, { module: string; fieldConfig: boolean }> = {
  stat: { module: `${PANEL_CFG}/stat/panelcfg/x/StatPanelCfg_types.gen`, fieldConfig: false },
  timeseries: { module: `${PANEL_CFG}/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen`, fieldConfig: true },
  table: { module: `${PANEL_CFG}/table/panelcfg/x/TablePanelCfg_types.gen`, fieldConfig: true },
  barchart: { module: `${PANEL_CFG}/barchart/panelcfg/x/BarChartPanelCfg_types.gen`, fieldConfig: true },
};

interface PanelJson {
  type: string;
  options: unknown;
  fieldConfig: { defaults: { custom?: unknown } };
}

/** A TypeScript module declaring the dashboard, and each panel's options, with Grafana's published types. */
function schemaCheckSource(text: string): string {
  const dashboard = JSON.parse(text) as { panels: PanelJson[] };
  const imports = Object.entries(PANEL_TYPES).map(([type, { module }]) => `import type * as ${type} from '${module}';`);
  const panels = dashboard.panels.map((panel, i) => {
    const cfg = PANEL_TYPES[panel.type];
    if (!cfg) return `export const panel${i}: never = ${JSON.stringify(panel.type)};`;
    const custom = cfg.fieldConfig ? `export const custom${i}: Json<Partial1<${panel.type}.FieldConfig>> = ${JSON.stringify(panel.fieldConfig.defaults.custom ?? {})};` : '';
    return `export const options${i}: Json<Partial1<${panel.type}.Options>> = ${JSON.stringify(panel.options)};\n${custom}`;
  });
  return [`import type { Dashboard } from '@grafana/schema';`, ...imports, JSON_OF, `export const dashboard: Json<Dashboard> = ${text};`, ...panels].join('\n');
}

/** Type-checks sources (file name → text) placed at the repository root, so node_modules resolves as usual. */
function typeErrors(sources: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const files = new Map(Object.entries(sources).map(([name, text]) => [join(ROOT, name), text]));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    return text === undefined ? getSourceFile(name, language, ...rest) : ts.createSourceFile(name, text, language);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? d.file.fileName.slice(ROOT.length + 1) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('dashboards against Grafana\'s published dashboard schema (@grafana/schema)', () => {
  const files = ALL_DASHBOARDS.map(({ file, build }) => ({ file, text: readFileSync(join(ROOT, 'dashboards', file), 'utf8'), generated: dashboardJson(build()) }));

  it('keeps every committed file equal to what scripts/dashboards generates (npm run dashboards)', () => {
    for (const { file, text, generated } of files) expect({ file, text }).toEqual({ file, text: generated });
  });

  it('reads only the data sources Grafana is provisioned with (type and uid), and every file is generated', () => {
    const dir = join(ROOT, 'stack/grafana/provisioning/datasources');
    const provisioned = readdirSync(dir).flatMap((name) => (parse(readFileSync(join(dir, name), 'utf8')) as { datasources: { type: string; uid: string }[] }).datasources.map(({ type, uid }) => `${type} ${uid}`));
    const used = (node: unknown): string[] => {
      if (Array.isArray(node)) return node.flatMap(used);
      if (typeof node !== 'object' || node === null) return [];
      const { datasource, ...rest } = node as { datasource?: { type: string; uid: string } };
      return [...(datasource ? [`${datasource.type} ${datasource.uid}`] : []), ...Object.values(rest).flatMap(used)];
    };
    for (const { file, text } of files) {
      const sources = used(JSON.parse(text));
      expect(sources.length).toBeGreaterThan(0);
      expect({ file, unknown: sources.filter((source) => !provisioned.includes(source)) }).toEqual({ file, unknown: [] });
    }
    expect(provisioned).toEqual(expect.arrayContaining(['grafana-postgresql-datasource cairn-postgres']));
    expect(readdirSync(join(ROOT, 'dashboards')).filter((name) => name.endsWith('.json')).sort()).toEqual(files.map(({ file }) => file).sort());
  });

  it('type-checks every dashboard and every panel\'s options against Grafana\'s types', () => {
    const sources = Object.fromEntries(files.map(({ file, text }) => [`${file}.schema-check.ts`, schemaCheckSource(text)]));
    expect(typeErrors(sources)).toEqual([]);
  });

  it('rejects what Grafana\'s schema forbids (the check can fail)', () => {
    const good = JSON.parse(files[0]?.text ?? '{}') as Record<string, unknown> & { panels: Record<string, unknown>[]; templating: { list: Record<string, unknown>[] } };
    const broken = (change: (d: typeof good) => void): string => {
      const copy = structuredClone(good);
      change(copy);
      return schemaCheckSource(JSON.stringify(copy));
    };
    const errors = typeErrors({
      'missing-schema-version.schema-check.ts': broken((d) => delete d.schemaVersion),
      'unknown-key.schema-check.ts': broken((d) => Object.assign(d, { panelz: [] })),
      'bad-variable-type.schema-check.ts': broken((d) => Object.assign(d.templating.list[0] ?? {}, { type: 'sql' })),
      'bad-grid.schema-check.ts': broken((d) => Object.assign(d.panels[0] ?? {}, { gridPos: { x: 0, y: 0, w: 'wide', h: 4 } })),
      'bad-stat-option.schema-check.ts': broken((d) => Object.assign(d.panels[0] ?? {}, { options: { colorMode: 'rainbow' } })),
    });
    const failing = new Set(errors.map((error) => error.split(':')[0]));
    expect([...failing].sort()).toEqual([
      'bad-grid.schema-check.ts', 'bad-stat-option.schema-check.ts', 'bad-variable-type.schema-check.ts',
      'missing-schema-version.schema-check.ts', 'unknown-key.schema-check.ts',
    ]);
  });
});

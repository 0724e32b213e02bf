import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import type { InstrumentationConfigMap } from '@opentelemetry/auto-instrumentations-node';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { describe, expect, it } from 'vitest';
import { CONTRIB_INSTRUMENTATIONS } from '../src/internal/contrib-instrumentations.js';

// The lazy loader watches the modules this table names: a contrib release that adds an
// instrumentation, renames its class or patches another module must fail here, not go unpatched.
describe('the contrib instrumentation table', () => {
  it('is what the installed meta-package creates: each name, class and patched module', () => {
    const everyone = Object.fromEntries(CONTRIB_INSTRUMENTATIONS.map((i) => [i.name, { enabled: true }])) as InstrumentationConfigMap;
    const created = getNodeAutoInstrumentations(everyone) as InstrumentationBase[];
    try {
      const installed = created
        .map((i) => ({
          name: i.instrumentationName,
          export: i.constructor.name,
          modules: [...new Set(i.getModuleDefinitions().map((d) => d.name))],
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const ours = CONTRIB_INSTRUMENTATIONS.map((i) => ({ name: i.name, export: i.export, modules: [...i.modules] })).sort((a, b) => a.name.localeCompare(b.name));
      expect(installed.length).toBeGreaterThan(30);
      expect(ours).toEqual(installed);
    } finally {
      for (const i of created) i.disable();
    }
  });
});

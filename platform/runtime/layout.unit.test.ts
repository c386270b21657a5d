import { expandRoles, LAYOUTS, planProcesses } from './layout';

const ROLES = [
  'identity-projector',
  'identity-component',
  'identity-app',
  'projects-projector',
  'projects-component',
  'projects-app',
  'projects-reactor',
  'dispatcher',
  'workflow-worker',
];

describe('expandRoles', () => {
  it('keeps a single role and `all` as they were', () => {
    expect(expandRoles(['projects-app'], ROLES)).toEqual(['projects-app']);
    expect(expandRoles(['all'], ROLES)).toEqual(ROLES);
  });

  it('expands groups, mixes them with roles, in the catalog order, without doubles', () => {
    expect(expandRoles(['apps'], ROLES)).toEqual(['identity-app', 'projects-app']);
    expect(
      expandRoles(['reactors', 'processes', 'identity-projector', 'projectors'], ROLES),
    ).toEqual([
      'identity-projector',
      'projects-projector',
      'projects-reactor',
      'dispatcher',
      'workflow-worker',
    ]);
  });

  it('refuses a name that is neither', () => {
    expect(() => expandRoles(['apps', 'projects-ap'], ROLES)).toThrow(
      /unknown role or group projects-ap/,
    );
  });
});

describe('planProcesses', () => {
  it('runs `all` as one process on the base port', () => {
    expect(planProcesses('all', ROLES, 4000)).toEqual([{ name: 'all', args: ['all'], port: 4000 }]);
  });

  it('splits into three processes, the API first on the base port', () => {
    expect(planProcesses('split', ROLES, 4000)).toEqual([
      { name: 'apps', args: ['apps'], port: 4000 },
      {
        name: 'components+projectors+reactors',
        args: ['components', 'projectors', 'reactors'],
        port: 4001,
      },
      { name: 'processes', args: ['processes'], port: 4002 },
    ]);
  });

  it('reads any other value as a layout of its own, apps still first', () => {
    const plan = planProcesses('components, projectors+reactors, processes, apps', ROLES, 5000);
    expect(plan.map((p) => [p.name, p.port])).toEqual([
      ['apps', 5000],
      ['components', 5001],
      ['projectors+reactors', 5002],
      ['processes', 5003],
    ]);
  });

  it('refuses a layout that leaves a role out or runs one twice', () => {
    expect(() => planProcesses('apps,components,processes', ROLES, 4000)).toThrow(
      /no process runs identity-projector, projects-projector, projects-reactor/,
    );
    expect(() => planProcesses(`${LAYOUTS.split},projects-component`, ROLES, 4000)).toThrow(
      /projects-component is in both components\+projectors\+reactors and projects-component/,
    );
    expect(() => planProcesses(' , ', ROLES, 4000)).toThrow(/empty layout/);
  });
});

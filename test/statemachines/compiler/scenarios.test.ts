/**
 * Compiled pipelines executed in aws-local-stepfunctions for the behaviours a user relies
 * on: event values are data (never code), approvals, child pipelines, forks and secrets,
 * timeouts, retries; plus the limits and naming rules of Step Functions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compilePipeline, compileSource } from '../../../statemachines/compiler/compile.ts';
import { MAX_STATE_NAME } from '../../../statemachines/asl/names.ts';
import type { StateMachine } from '../../../statemachines/asl/types.ts';
import { assertValidAsl } from './asl-valid.ts';
import { compile, envOf, execute, plan, runInput, stepStatus, TEST_BUILD_ROLES, type Outcome } from './harness.ts';

describe('event values are data, never code', () => {
  const evil = '$(touch pwned) `touch pwned2` "; touch pwned3; echo "';
  const pipeline = compile(`
steps:
  greet:
    env: { LABEL: "branch \${{ branch }}" }
    run: echo "\${{ branch }}" > out.txt && echo "$LABEL" > label.txt
`);

  it('puts only ${SCI_BRANCH} in the buildspec, never a value', () => {
    const task = pipeline.definition.States.greet as unknown as { Parameters: { BuildspecOverride: string } };
    assert.match(task.Parameters.BuildspecOverride, /echo "\$\{SCI_BRANCH\}" > out.txt/);
    assert.ok(!pipeline.json.includes('touch'));
  });

  it('runs the buildspec with the branch as an environment value only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sci-inject-'));
    try {
      const out = await execute(pipeline.definition, runInput({ branch: evil }), pipeline.steps, {
        build: async (call) => {
          const spec = parse(call.input.BuildspecOverride as string) as { phases: { build: { commands: string[] } } };
          // one shell for every command, as CodeBuild runs a buildspec 0.2 (the first one defines the run context)
          const r = spawnSync('bash', ['-ec', spec.phases.build.commands.join('\n')], {
            cwd: dir,
            env: { PATH: process.env.PATH, ...envOf(call) },
          });
          if (r.status !== 0) throw new Error(r.stderr.toString());
        },
      });
      assert.equal(out.status, 'SUCCEEDED');
      assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), `${evil}\n`);
      assert.equal(readFileSync(join(dir, 'label.txt'), 'utf8'), `branch ${evil}\n`);
      for (const f of ['pwned', 'pwned2', 'pwned3'])
        assert.ok(!existsSync(join(dir, f)), `${f} was created: the value ran as code`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('approvals', () => {
  const pipeline = compile(`
steps:
  build: { run: make }
  approve:
    needs: [build]
    approval: { message: "Ship \${{ sha }}?", timeout: 1h }
  deploy: { needs: [approve], run: make deploy }
`);
  for (const approve of [true, false]) {
    it(approve ? 'approve lets the next step run' : 'reject fails the step and skips what needs it', async () => {
      let waiting: unknown;
      const out = await execute(pipeline.definition, runInput(), pipeline.steps, {
        approval: async (call) => {
          waiting = call.input.ExpressionAttributeValues;
          return approve;
        },
      });
      assert.deepEqual((waiting as Record<string, unknown>)[':message'], { S: `Ship ${'a'.repeat(40)}?` });
      assert.equal(out.status, approve ? 'SUCCEEDED' : 'FAILED');
      assert.deepEqual(
        stepStatus(out, 'approve'),
        approve ? { status: 'succeeded', reason: undefined } : { status: 'failed', reason: 'rejected' },
      );
      assert.equal(stepStatus(out, 'deploy').status, approve ? 'succeeded' : 'skipped');
    });
  }
});

describe('pipeline calls', () => {
  const pipeline = compile(`
on: { manual: { inputs: { target: { type: string, default: staging } } } }
steps:
  deploy:
    pipeline: { name: deploy/prod, inputs: { target: "\${{ inputs.target }}", note: "by \${{ actor }}" } }
`);
  it('starts the callee with a child run id, the pipeline event and its inputs', async () => {
    assert.deepEqual(pipeline.callees, [{ key: 'deploy_prod', pipeline: 'deploy/prod' }]);
    let input: any;
    const out = await execute(
      pipeline.definition,
      runInput({ inputs: { target: 'prod' }, callees: { deploy_prod: 'arn:child' } }),
      pipeline.steps,
      {
        execution: async (call) => {
          input = call.input;
        },
      },
    );
    assert.equal(out.status, 'SUCCEEDED');
    assert.equal(input.StateMachineArn, 'arn:child');
    assert.equal(input.Input.run.id, 'r1.deploy');
    assert.equal(input.Input.run.event, 'pipeline');
    assert.equal(input.Input.run.pipeline, 'deploy/prod');
    assert.deepEqual(input.Input.run.inputs, { target: 'prod', note: 'by octocat' });
    assert.deepEqual(input.Input.steps, {});
  });
  it('completes the child input from the callee declarations when the callees are given', () => {
    const callee = plan(
      `
on: { manual: { inputs: { target: { type: string, default: staging }, dry_run: { type: boolean, default: true }, count: { type: number }, note: { type: string } } } }
steps: { go: { run: echo } }
`,
      '.sci/deploy/prod.yml',
    );
    const caller = compile(
      'steps:\n  deploy: { pipeline: { name: deploy/prod, inputs: { dry_run: "false", note: "by ${{ actor }}" } } }\n',
      { file: '.sci/release.yml', target: {}, callees: new Map([['deploy/prod', callee.pipeline]]) },
    );
    const task = caller.definition.States.deploy as unknown as { Parameters: { Input: { run: { inputs: unknown } } } };
    assert.deepEqual(task.Parameters.Input.run.inputs, {
      dry_run: false,
      'note.$': "States.Format('by {}', $.run.actor)",
      target: 'staging',
      count: 0,
    });
  });

  it('a failed child fails the step', async () => {
    const out = await execute(
      pipeline.definition,
      runInput({ inputs: { target: 'prod' }, callees: { deploy_prod: 'arn:child' } }),
      pipeline.steps,
      {
        execution: async () => {
          throw Object.assign(new Error('child failed'), { name: 'States.TaskFailed' });
        },
      },
    );
    assert.equal(out.status, 'FAILED');
    assert.deepEqual(stepStatus(out, 'deploy'), { status: 'failed', reason: 'failed (States.TaskFailed)' });
  });
});

describe('forks, timeouts, retries', () => {
  it('skips steps with secrets on a pull request from a fork, with the reason', async () => {
    const pipeline = compile(`
steps:
  test: { run: make test }
  publish: { secrets: { TOKEN: "ssm:/ci/token" }, run: make publish }
`);
    const builds: string[] = [];
    const out = await execute(
      pipeline.definition,
      runInput({ event: 'pull_request', pr: { number: 7, base: 'main', fork: true } }),
      pipeline.steps,
      {
        build: async (c) => void builds.push(c.key),
      },
    );
    assert.deepEqual(builds, ['test']);
    assert.deepEqual(stepStatus(out, 'publish'), {
      status: 'skipped',
      reason: 'secrets are not available to untrusted runs (pull requests from forks)',
    });
    assert.equal(out.status, 'SUCCEEDED');
    assert.ok(
      pipeline.json.includes('{"Type":"PARAMETER_STORE","Name":"TOKEN","Value":"/ci/token"}'),
      'secret passed by reference',
    );
  });

  it('skips a step pulling its image with registry credentials on a fork, and pulls with them otherwise', async () => {
    const pipeline = compile(`
steps:
  test: { image: { name: "node:22", credentials: "secretsmanager:sci/dockerhub" }, run: make test }
`);
    const pulls: unknown[] = [];
    const build = async (c: { input: Record<string, unknown> }) =>
      void pulls.push([c.input.ImagePullCredentialsTypeOverride, c.input.RegistryCredentialOverride]);
    const fork = await execute(
      pipeline.definition,
      runInput({ event: 'pull_request', pr: { number: 7, base: 'main', fork: true } }),
      pipeline.steps,
      { build },
    );
    assert.deepEqual(pulls, []);
    assert.deepEqual(stepStatus(fork, 'test'), {
      status: 'skipped',
      reason: 'image registry credentials are not available to untrusted runs (pull requests from forks)',
    });
    const push = await execute(pipeline.definition, runInput(), pipeline.steps, { build });
    assert.equal(stepStatus(push, 'test').status, 'succeeded');
    assert.deepEqual(pulls, [['SERVICE_ROLE', { Credential: 'sci/dockerhub', CredentialProvider: 'SECRETS_MANAGER' }]]);
  });

  it('builds as the role, artifact prefix and cache namespace the input carries, whatever the file says', async () => {
    const pipeline = compile(`
steps:
  build: { run: make, artifacts: [dist/**], cache: { key: deps, paths: [.cache] } }
  test: { needs: [build], run: make test }
`);
    const ran = async (run: Record<string, unknown>) => {
      const calls = new Map<string, Record<string, unknown>>();
      const out = await execute(pipeline.definition, runInput(run), pipeline.steps, {
        build: async (c) => void calls.set(c.key, c.input),
      });
      assert.equal(out.status, 'SUCCEEDED');
      const build = calls.get('build')!;
      return {
        roles: [...calls.values()].map((c) => c.ServiceRoleOverride),
        upload: (build.ArtifactsOverride as { Path: string }).Path,
        cache: (build.CacheOverride as { Location: string }).Location,
        pull: envOf({ key: 'test', input: calls.get('test')! }).SCI_ARTIFACTS,
        source: build.SourceVersion,
      };
    };
    assert.deepEqual(await ran({}), {
      roles: [TEST_BUILD_ROLES.trusted, TEST_BUILD_ROLES.trusted],
      upload: 'runs/r1',
      cache: 'sci-artifacts/cache',
      pull: 'runs/r1',
      source: `refs/heads/main^{${'a'.repeat(40)}}`,
    });
    const untrusted = {
      roles: [TEST_BUILD_ROLES.untrusted, TEST_BUILD_ROLES.untrusted],
      upload: 'untrusted/runs/r1',
      cache: 'sci-artifacts/untrusted/cache',
      pull: 'untrusted/runs/r1',
    };
    // A fork's pull request builds the base repository's refs/pull/N/head at the PR's head commit.
    assert.deepEqual(
      await ran({ event: 'pull_request', ref: 'refs/pull/7/head', pr: { number: 7, base: 'main', fork: true } }),
      {
        ...untrusted,
        source: `refs/pull/7/head^{${'a'.repeat(40)}}`,
      },
    );
    // A follower of a fork's run: not a pull request, still untrusted.
    assert.deepEqual(await ran({ event: 'pipeline', untrusted: true }), {
      ...untrusted,
      source: `refs/heads/main^{${'a'.repeat(40)}}`,
    });
  });

  it('gives every build its step instance key and display name', async () => {
    const pipeline = compile(`
steps:
  lint: { run: make lint }
  test: { matrix: { node: [20, 22] }, run: make test }
`);
    // A step named by its key gets SCI_STEP from the run context's text, under bash and a POSIX sh alike, a
    // step that runs only after its needs succeeded (here: none) SCI_RUN_STATUS `succeeded`, and one with the
    // default timeout SCI_STEP_TIMEOUT.
    const seen: Array<[string, string | undefined, string | undefined, string, string]> = [];
    await execute(pipeline.definition, runInput(), pipeline.steps, {
      build: async (c) => {
        const spec = parse(c.input.BuildspecOverride as string) as { phases: { build: { commands: string[] } } };
        const [context] = spec.phases.build.commands;
        const named = (shell: string) =>
          spawnSync(
            shell,
            [
              '-euc',
              `${context}\nprintf %s "$SCI_STEP"; sh -c 'printf " %s %s" "$SCI_RUN_STATUS" "$SCI_STEP_TIMEOUT"'`,
            ],
            {
              env: { PATH: process.env.PATH, ...envOf(c) },
            },
          ).stdout.toString();
        assert.equal(envOf(c).SCI_RUN_STATUS, undefined);
        assert.equal(envOf(c).SCI_STEP_TIMEOUT, undefined);
        seen.push([c.key, envOf(c).SCI_STEP_KEY, envOf(c).SCI_STEP, named('bash'), named('dash')]);
      },
    });
    // Only a matrix cell, whose name is not its key, has a variable of its own.
    const own = (s: { key: string; name: string }) => (s.name === s.key ? undefined : s.name);
    const shown = (s: { name: string }) => `${s.name} succeeded 3600`;
    assert.deepEqual(seen.sort(), pipeline.steps.map((s) => [s.key, s.key, own(s), shown(s), shown(s)]).sort());
    assert.equal(new Set(seen.map(([, key]) => key)).size, 3);
  });

  it('records a build CodeBuild timed out as failed with reason "timed out", another failure with its error', async () => {
    const pipeline = compile(`
steps:
  slow: { run: sleep 5, timeout: 1s }
  after: { needs: [slow], if: always(), run: echo "$SCI_RUN_STATUS" }
  broken: { needs: [after], run: exit 1 }
`);
    // CodeBuild enforces the build time (5 minutes at least); the state's clock covers queue + build + 5 minutes
    const slow = pipeline.definition.States.slow as { TimeoutSeconds: number; Parameters: Record<string, unknown> };
    assert.equal(slow.Parameters.TimeoutInMinutesOverride, 5);
    assert.equal(
      slow.Parameters.QueuedTimeoutInMinutesOverride,
      undefined,
      "the project's own queued timeout, CodeBuild's maximum",
    );
    assert.equal(slow.TimeoutSeconds, (5 + 480 + 5) * 60);
    const seen: Record<string, string> = {};
    const out = await execute(pipeline.definition, runInput(), pipeline.steps, {
      build: async (c) => {
        seen[c.key] = envOf(c).SCI_RUN_STATUS!;
        // what the .sync integration raises when CodeBuild ends a build at its timeout
        if (c.key === 'slow')
          throw Object.assign(new Error(JSON.stringify({ Build: { Id: 'b:1', BuildStatus: 'TIMED_OUT' } })), {
            name: 'States.TaskFailed',
          });
        if (c.key === 'broken') throw Object.assign(new Error('exit 1'), { name: 'CodeBuild.BuildFailed' });
      },
    });
    assert.deepEqual(stepStatus(out, 'slow'), { status: 'failed', reason: 'timed out' });
    assert.deepEqual(stepStatus(out, 'broken'), { status: 'failed', reason: 'failed (CodeBuild.BuildFailed)' });
    assert.equal(stepStatus(out, 'after').status, 'succeeded');
    assert.equal(seen.after, 'failed');
    assert.equal(out.status, 'FAILED');
  });

  it('retries a failed build up to retry.max times', async () => {
    const pipeline = compile(`
steps:
  flaky: { run: ./flaky.sh, retry: 2 }
`);
    let calls = 0;
    const out = await execute(pipeline.definition, runInput(), pipeline.steps, {
      build: async () => {
        if (++calls < 3) throw new Error('flake');
      },
    });
    assert.equal(calls, 3);
    assert.equal(out.status, 'SUCCEEDED');
  });

  it('allow_failure keeps the run green and its dependants running', async () => {
    const pipeline = compile(`
steps:
  lint: { run: make lint, allow_failure: true }
  test: { needs: [lint], run: make test }
`);
    const out = await execute(pipeline.definition, runInput(), pipeline.steps, {
      build: async (c) => {
        if (c.key === 'lint') throw new Error('lint');
      },
    });
    assert.equal(stepStatus(out, 'lint').status, 'failed');
    assert.equal(stepStatus(out, 'test').status, 'succeeded');
    assert.equal(out.status, 'SUCCEEDED');
  });
});

describe('constant conditions', () => {
  it('a step whose if is always false, and what needs it, compile to a valid machine that skips them', async () => {
    // the skipped step's Task and its dependants' checks have no way in: Step Functions refuses unreachable states
    const pipeline = compile(`
steps:
  build: { run: make }
  docs: { needs: [build], if: "false", run: make docs }
  publish: { needs: [docs], run: make publish }
  test: { needs: [build], run: make test }
`);
    assertValidAsl(pipeline.json);
    const calls: string[] = [];
    const out = await execute(pipeline.definition, runInput(), pipeline.steps, {
      build: async (c) => {
        calls.push(c.key);
      },
    });
    assert.deepEqual(calls.sort(), ['build', 'test']);
    assert.deepEqual(
      ['docs', 'publish', 'test'].map((k) => stepStatus(out, k).status),
      ['skipped', 'skipped', 'succeeded'],
    );
  });
});

describe('runs whose step items do not exist yet', () => {
  // The dispatcher records a child run's items up front (src/core/child-runs.ts); the machine's writes
  // do not rely on it, a build's success event (a conditional update of an existing item) does.
  it("write their statuses anyway (a child started by Step Functions itself), but a build's success", async () => {
    const pipeline = compile(`
steps:
  build: { run: make }
  test: { needs: [build], run: make test }
  approve: { needs: [build], approval: { message: ok } }
`);
    const out = await execute(
      pipeline.definition,
      runInput(),
      pipeline.steps,
      {
        build: async (c) => {
          if (c.key === 'test') throw new Error('red');
        },
      },
      { precreate: false },
    );
    assert.deepEqual(
      ['build', 'test', 'approve'].map((k) => stepStatus(out, k).status),
      [undefined, 'failed', 'succeeded'],
    );
    assert.equal(out.status, 'FAILED');
  });
});

describe('wide fans', () => {
  it('nests Parallels so no merge exceeds 10 branches, and still runs every step', async () => {
    const leaves = Array.from({ length: 25 }, (_, i) => `  l${i}: { run: echo ${i} }`).join('\n');
    const pipeline = compile(
      `steps:\n${leaves}\n  join: { needs: [${Array.from({ length: 25 }, (_, i) => `l${i}`).join(', ')}], run: echo done }\n`,
    );
    const widths: number[] = [];
    const walk = (m: StateMachine): void => {
      for (const s of Object.values(m.States)) {
        if (s.Type !== 'Parallel') continue;
        widths.push(s.Branches.length);
        s.Branches.forEach(walk);
      }
    };
    walk(pipeline.definition);
    assert.ok(Math.max(...widths) <= 10, widths.join(','));
    const built: string[] = [];
    const out = await execute(pipeline.definition, runInput(), pipeline.steps, {
      build: async (c) => void built.push(c.key),
    });
    assert.equal(out.status, 'SUCCEEDED');
    assert.equal(built.length, 26);
    assert.equal(built.at(-1), 'join');
  });
});

describe('fans entered from the step before', () => {
  const fan = (leafIf = '') =>
    compile(`
steps:
  root: { run: make }
  a: { needs: [root], run: echo a }
  b: { needs: [root], ${leafIf}run: echo b }
  join: { needs: [a, b], if: always(), run: echo done }
`);
  const checks = (o: Outcome) => o.trace.entered.filter((n) => n.endsWith(' · check'));

  // each branch keeps its check: a redrive carries the branches that succeeded and runs the others
  it('run their branches through their checks when the step before succeeded', async () => {
    const out = await execute(fan().definition, runInput(), fan().steps, { build: async () => {} });
    assert.deepEqual(
      ['a', 'b', 'join'].map((k) => stepStatus(out, k).status),
      ['succeeded', 'succeeded', 'succeeded'],
    );
    assert.deepEqual(checks(out).sort(), ['a · check', 'b · check', 'join · check', 'root · check']);
  });

  it('skip every branch with its reason when the step before failed', async () => {
    const built: string[] = [];
    const out = await execute(fan().definition, runInput(), fan().steps, {
      build: async (c) => {
        built.push(c.key);
        if (c.key === 'root') throw new Error('red');
      },
    });
    assert.deepEqual(built, ['root', 'join']);
    assert.deepEqual(stepStatus(out, 'a'), { status: 'skipped', reason: 'needs did not succeed: root failed' });
    assert.deepEqual(stepStatus(out, 'b'), { status: 'skipped', reason: 'needs did not succeed: root failed' });
    assert.deepEqual(checks(out).sort(), ['a · check', 'b · check', 'join · check', 'root · check']);
  });

  it('keep the checks when the branches decide differently', async () => {
    const pipeline = fan('if: failure(), ');
    const built: string[] = [];
    const out = await execute(pipeline.definition, runInput(), pipeline.steps, {
      build: async (c) => {
        built.push(c.key);
        if (c.key === 'root') throw new Error('red');
      },
    });
    assert.deepEqual(built.sort(), ['b', 'join', 'root']);
    assert.equal(stepStatus(out, 'a').status, 'skipped');
    assert.deepEqual(checks(out).sort(), ['a · check', 'b · check', 'join · check', 'root · check']);
  });
});

describe('Step Functions limits and names', () => {
  it('keeps state names unique and at most 80 characters', () => {
    const long = 'x'.repeat(60);
    const pipeline = compile(`
steps:
  ${long}:
    matrix: { flavour: [aaaaaaa, bbbbbbb] }
    run: echo
  ${long}y: { needs: [${long}], run: echo }
`);
    const names: string[] = [];
    const walk = (m: StateMachine): void => {
      for (const [n, s] of Object.entries(m.States)) {
        names.push(n);
        if (s.Type === 'Parallel') s.Branches.forEach(walk);
      }
    };
    walk(pipeline.definition);
    for (const n of names) assert.ok([...n].length <= MAX_STATE_NAME, n);
    assert.equal(new Set(names).size, names.length);
  });

  it('splits a definition over 1 MB into machines within the quota, or refuses it when told not to split', () => {
    const steps = Array.from({ length: 400 }, (_, i) => `  s${i}: { run: echo ${i} }`).join('\n');
    const text = `steps:\n${steps}\n`;
    const r = compile(text, { file: '.sci/huge.yml' });
    assert.ok(r.parts.length > 1);
    for (const m of [r, ...r.parts]) assert.ok(m.estimates.definitionBytes <= 1_048_576);
    const { pipeline, instances } = plan(text, '.sci/huge.yml');
    const refused = compilePipeline(pipeline, instances, undefined, { split: false });
    assert.ok(!refused.ok);
    assert.equal(refused.diagnostics[0]!.code, 'too-large');
    assert.match(refused.diagnostics[0]!.message, /over Step Functions' limit of 1048576/);
    assert.equal(refused.diagnostics[0]!.span?.file, '.sci/huge.yml');
  });

  it('reports template errors with their position', () => {
    const r = compileSource('.sci/t.yml', "steps:\n  a:\n    run: echo ${{ branch == 'x' }}\n");
    assert.ok(!r.ok);
    assert.ok(
      r.diagnostics.every((d) => d.span && d.span.line >= 1),
      JSON.stringify(r.diagnostics),
    );
  });
});

describe('a run cancelled while a step runs', () => {
  // The store's cancel marks every step not ended yet `cancelled`; the step's status write then
  // finds it so, and the step counts as cancelled in the state: nothing after it runs. (b has an
  // output, so its success is the machine's write; a build whose success event records it, below.)
  const shapes: Array<[string, string, string[]]> = [
    [
      'a chain, whose steps share their end write',
      'a: { run: a }\n  b: { needs: [a], run: b, outputs: [v] }\n  c: { needs: [b], run: c }\n  d: { needs: [c], run: d }',
      ['b', 'c', 'd'],
    ],
    [
      'a step alone in its branch, with its own end write',
      'a: { run: a }\n  b: { needs: [a], run: b, outputs: [v] }\n  x: { needs: [a], run: x }\n  c: { needs: [b, x], run: c }',
      ['b', 'c'],
    ],
  ];
  for (const [shape, steps, cancelled] of shapes) {
    for (const fails of [false, true]) {
      it(`${shape}: b ${fails ? 'fails' : 'succeeds'} after the cancel`, async () => {
        const pipeline = compile(`steps:\n  ${steps}\n`);
        const items = new Map<string, Record<string, unknown>>();
        const built: string[] = [];
        const out = await execute(
          pipeline.definition,
          runInput(),
          pipeline.steps,
          {
            build: async ({ key }) => {
              built.push(key);
              if (key !== 'b') return;
              for (const k of cancelled) items.get(`RUN#r1|STEP#${k}`)!.status = { S: 'cancelled' };
              if (fails) throw new Error('exit 1');
            },
          },
          { precreate: true, items: items as never },
        );
        assert.ok(!built.includes('c'), `built ${built.join(', ')}`);
        for (const k of cancelled) assert.equal(stepStatus(out, k).status, 'cancelled', k);
        assert.equal(stepStatus(out, 'a').status, 'succeeded');
      });
    }
  }

  it('a build whose success event records it stays cancelled: the execution goes on until its stop', async () => {
    // Nothing after the build writes: the cancel's StopExecution (src/core/control.ts) ends the
    // execution, and the late success event cannot move the cancelled step back.
    const pipeline = compile('steps:\n  a: { run: a }\n  b: { needs: [a], run: b }\n  c: { needs: [b], run: c }\n');
    const items = new Map<string, Record<string, unknown>>();
    const out = await execute(
      pipeline.definition,
      runInput(),
      pipeline.steps,
      {
        build: async ({ key }) => {
          if (key === 'b') for (const k of ['b', 'c']) items.get(`RUN#r1|STEP#${k}`)!.status = { S: 'cancelled' };
        },
      },
      { precreate: true, items: items as never },
    );
    assert.deepEqual(
      ['a', 'b', 'c'].map((k) => stepStatus(out, k).status),
      ['succeeded', 'cancelled', 'cancelled'],
    );
  });
});

/** Rollout pipelines shared by the compiler, API-model and interpreter tests. */
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup';
const LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2';

export const TARGETS = {
  lambda: 'lambda: { function: api, alias: live, version: "${{ steps.build.outputs.version }}" }',
  alb: `alb: { listener: "${LISTENER}", stable: "${TG}/blue/73e2d6bc24d8a067", candidate: "${TG}/green/a1b2c3d4e5f60718" }`,
  local: 'local: { listen: 8080, stable: "http://127.0.0.1:8081", candidate: "http://127.0.0.1:8082" }',
};

export function rolloutPipeline(
  target: string,
  extra = 'weights: [10, 50, 100]\n      interval: 1m\n      analysis: { max_error_rate: 2%, min_requests: 20 }',
): string {
  return `
steps:
  build:
    outputs: [version]
    run: echo "version=7" >> "$SCI_OUTPUT"
  deploy:
    needs: [build]
    environment: production
    rollout:
      target:
        ${target}
      ${extra}
`;
}

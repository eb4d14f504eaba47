// Runs each case of a JSON array on stdin through @cloud-copilot/iam-simulate (an independent
// IAM evaluator) in Strict mode and prints one result per case: Allowed, ImplicitlyDenied,
// ExplicitlyDenied, or "error: ..." when the simulator refuses the input.
import { runSimulation } from '@cloud-copilot/iam-simulate'

let input = ''
for await (const chunk of process.stdin) input += chunk
const results = []
for (const c of JSON.parse(input)) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.resourceAccount },
      contextVariables: c.context
    },
    identityPolicies: c.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.resourcePolicy ?? undefined,
    permissionBoundaryPolicies: c.boundary ? [c.boundary] : undefined
  }
  try {
    const r = await runSimulation(simulation, { simulationMode: 'Strict' })
    results.push(r.resultType === 'error' ? `error: ${JSON.stringify(r.errors)}` : r.overallResult)
  } catch (e) {
    results.push(`error: ${e}`)
  }
}
process.stdout.write(JSON.stringify(results))

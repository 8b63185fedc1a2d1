export { formatDuration, parseDuration } from './duration.js';
export { ScenarioError, type ScenarioProblem } from './errors.js';
export { loadScenario, parseScenario, type ScenarioOverrides } from './load.js';
export {
  ThresholdSyntaxError,
  aggregationFits,
  aggregationName,
  allowedAggregations,
  evaluateThreshold,
  parseThresholdExpression,
  type Aggregation,
  type Operator,
  type ThresholdCondition,
} from './thresholds.js';
export type { AudioSpec, CapacitySpec, ChaosStep, ClientChaosStep, HarnessLimits, MediaPlaneChoice, RecoverySpec, FleetGroup, NetworkChaosStep, Scenario, TalkSpec, TargetSpec, Threshold, VideoSpec } from './types.js';
export type { BotSelector, Direction, DirectionSpec, ImpairmentProfile, NetworkBackend, NetworkSpec } from './network-types.js';

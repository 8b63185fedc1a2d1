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
export type { AudioSpec, BrowserGroup, CapacitySpec, ChaosStep, HarnessLimits, RecoverySpec, FleetGroup, K6Behaviour, K6Group, K6Load, K6Stage, NetworkChaosStep, Scenario, TalkSpec, TargetSpec, Threshold, VideoSpec, WeriftGroup } from './types.js';
export type { BotSelector, Direction, DirectionSpec, ImpairmentProfile, NetworkBackend, NetworkSpec } from './network-types.js';

// Darktrace model names the benchmarks' generated detections are drawn from (real model names, so a
// search for a model word behaves as it would on an appliance's data).
export const MODEL_NAMES: readonly string[] = [
  'Anomalous Connection::SMB Enumeration',
  'Compromise::Beaconing Activity To External Rare',
  'Device::Suspicious Domain',
  'Unusual Activity::Unusual Internal Connections',
  'Compliance::Remote Desktop Protocol from Internet',
  'Anomalous File::Internet Facing System File Download',
  'Antigena::Network::External Threat::Antigena Suspicious File Block',
  'Compromise::Ransomware::Suspicious SMB Activity',
];

// Validates one rendered overlay (kubectl kustomize output) offline: every built-in resource against
// the Kubernetes JSON schemas (kubernetes-models), KEDA's against theirs (@kubernetes-models/keda),
// the operators' resources (RabbitmqCluster, CloudNativePG Cluster and ScheduledBackup) against the
// fields they require, and every workload against the practices the README promises: non-root,
// read-only root filesystem, no capabilities, seccomp RuntimeDefault, requests and limits, probes,
// a PodDisruptionBudget, pinned images, no secret values. Usage: node validate.mjs OVERLAY FILE
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [overlay, file] = process.argv.slice(2);
const docs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
const problems = [];
const fail = (resource, message) => problems.push(`${resource.kind}/${resource.metadata?.name}: ${message}`);

// --- schemas --------------------------------------------------------------------------------
async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = group === "keda.sh"
    ? `@kubernetes-models/keda/keda.sh/${version}`
    : `kubernetes-models/${group ? `${group}/` : ""}${version}`;
  try {
    return (await import(module))[kind];
  } catch {
    return undefined;
  }
}

const custom = {
  "rabbitmq.com/v1beta1/RabbitmqCluster": (r) => {
    need(r, Number.isInteger(r.spec?.replicas) && r.spec.replicas >= 1, "spec.replicas must be a positive integer");
    need(r, typeof r.spec?.image === "string" && r.spec.image.length > 0, "spec.image must be set");
    need(r, typeof r.spec?.persistence?.storage === "string", "spec.persistence.storage must be set");
    need(r, r.spec?.resources?.limits?.memory !== undefined, "spec.resources.limits.memory must be set");
  },
  "postgresql.cnpg.io/v1/Cluster": (r) => {
    need(r, Number.isInteger(r.spec?.instances) && r.spec.instances >= 1, "spec.instances must be a positive integer");
    need(r, typeof r.spec?.storage?.size === "string", "spec.storage.size must be set");
    need(r, typeof r.spec?.imageName === "string", "spec.imageName must be set");
    need(r, r.spec?.bootstrap?.initdb?.owner && r.spec.bootstrap.initdb.secret?.name, "spec.bootstrap.initdb needs an owner and its secret");
    for (const role of r.spec?.managed?.roles ?? []) {
      need(r, role.name && role.passwordSecret?.name, `managed role ${role.name}: needs a name and a passwordSecret`);
      need(r, !role.superuser && !role.createrole && !role.createdb, `managed role ${role.name}: an application role gets no superuser, createrole or createdb`);
    }
    const sync = r.spec?.postgresql?.synchronous;
    if (sync) {
      need(r, ["any", "first"].includes(sync.method) && Number.isInteger(sync.number) && sync.number < r.spec.instances,
        "spec.postgresql.synchronous: method any|first and a number below the instance count");
    }
    if (r.spec?.backup) {
      need(r, r.spec.backup.barmanObjectStore?.destinationPath && r.spec.backup.retentionPolicy, "spec.backup needs a destination and a retention policy");
    }
  },
  "postgresql.cnpg.io/v1/ScheduledBackup": (r) => {
    need(r, typeof r.spec?.schedule === "string" && r.spec.schedule.trim().split(/\s+/).length === 6, "spec.schedule must be a six-field cron (seconds first)");
    need(r, r.spec?.cluster?.name, "spec.cluster.name must be set");
  },
};

function need(resource, ok, message) {
  if (!ok) fail(resource, message);
}

for (const r of docs) {
  const key = `${r.apiVersion}/${r.kind}`;
  if (custom[key]) {
    custom[key](r);
    continue;
  }
  const Model = await modelFor(r.apiVersion, r.kind);
  if (!Model) {
    fail(r, `no schema for ${key}`);
    continue;
  }
  try {
    new Model(r).validate();
  } catch (e) {
    fail(r, `schema: ${e.message.split("\n").slice(0, 6).join(" | ")}`);
  }
}

// --- practices --------------------------------------------------------------------------------
const workloads = docs.filter((r) => ["Deployment", "StatefulSet", "Job"].includes(r.kind));
const pdbs = docs.filter((r) => r.kind === "PodDisruptionBudget");
const configMaps = new Set(docs.filter((r) => r.kind === "ConfigMap").map((r) => r.metadata.name));
const selects = (selector, labels) => Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);

for (const w of workloads) {
  const pod = w.spec.template.spec;
  need(w, pod.securityContext?.runAsNonRoot === true, "pod securityContext.runAsNonRoot must be true");
  need(w, pod.securityContext?.seccompProfile?.type === "RuntimeDefault", "pod seccompProfile must be RuntimeDefault");
  need(w, pod.automountServiceAccountToken === false, "automountServiceAccountToken must be false (no pod here talks to the API server)");
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const where = `container ${c.name}`;
    need(w, c.securityContext?.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem must be true`);
    need(w, c.securityContext?.allowPrivilegeEscalation === false, `${where}: allowPrivilegeEscalation must be false`);
    need(w, (c.securityContext?.capabilities?.drop ?? []).includes("ALL"), `${where}: capabilities must drop ALL`);
    need(w, c.resources?.requests?.cpu && c.resources?.requests?.memory, `${where}: cpu and memory requests`);
    need(w, c.resources?.limits?.memory, `${where}: a memory limit`);
    need(w, /(@sha256:[0-9a-f]{64}|:[\w.-]+)$/.test(c.image) && !c.image.endsWith(":latest"), `${where}: image ${c.image} must be pinned (tag or digest, never latest)`);
    for (const from of c.envFrom ?? []) {
      need(w, !from.configMapRef || configMaps.has(from.configMapRef.name), `${where}: ConfigMap ${from.configMapRef?.name} is not in the overlay`);
    }
    if (w.kind === "Deployment") {
      need(w, c.livenessProbe, `${where}: a liveness probe`);
      need(w, c.readinessProbe, `${where}: a readiness probe`);
      need(w, c.startupProbe || c.livenessProbe?.initialDelaySeconds, `${where}: a startup probe`);
    }
  }
  if (w.kind === "Deployment") {
    need(w, pdbs.some((p) => selects(p.spec.selector, w.spec.template.metadata.labels)), "no PodDisruptionBudget selects its pods");
  }
}

// Secrets are referenced, never committed with values.
for (const s of docs.filter((r) => r.kind === "Secret")) {
  fail(s, "a Secret in the manifests: secrets are made in the cluster, never committed");
}

// What the production layout promises (README, "Kubernetes").
if (overlay === "production") {
  const byName = (kind, name) => docs.find((r) => r.kind === kind && r.metadata.name === name);
  const api = byName("Deployment", "rocrouting-api");
  const hpa = byName("HorizontalPodAutoscaler", "rocrouting-api");
  const db = byName("Cluster", "rocrouting-db");
  const mq = byName("RabbitmqCluster", "rocrouting-rabbitmq");
  const keda = byName("ScaledObject", "rocrouting-worker");
  need(api, api?.spec.replicas >= 3 && hpa?.spec.minReplicas >= 3, "three API replicas at least");
  need(keda, keda?.spec.minReplicaCount >= 2, "two workers at least");
  need(db, db?.spec.instances === 3 && db?.spec.postgresql?.synchronous?.dataDurability === "required", "three PostgreSQL instances, synchronous, durability required");
  need(db, db?.spec.backup && docs.some((r) => r.kind === "ScheduledBackup"), "backups to object storage, scheduled");
  need(mq, mq?.spec.replicas === 3, "three RabbitMQ nodes");
}

// The connection budget: every pool at its largest under the server's max_connections.
{
  const db = docs.find((r) => r.kind === "Cluster");
  const max = Number(db?.spec.postgresql?.parameters?.max_connections ?? 100);
  const config = docs.find((r) => r.kind === "ConfigMap" && r.metadata.name === "rocrouting-config");
  const pool = (w) => {
    const c = w.spec.template.spec.containers[0];
    const cs = (c.env ?? []).find((e) => e.name === "ConnectionStrings__Postgres")?.value ?? config?.data?.ConnectionStrings__Postgres ?? "";
    return Number(/Maximum Pool Size=(\d+)/i.exec(cs)?.[1] ?? 100);
  };
  const most = (name) => {
    const hpa = docs.find((r) => (r.kind === "HorizontalPodAutoscaler" || r.kind === "ScaledObject") && (r.spec.scaleTargetRef?.name === name));
    return hpa?.spec.maxReplicas ?? hpa?.spec.maxReplicaCount ?? docs.find((r) => r.metadata.name === name)?.spec.replicas ?? 1;
  };
  let total = 0;
  for (const w of workloads.filter((w) => w.metadata.name.startsWith("rocrouting-") && w.kind !== "StatefulSet" && w.metadata.name !== "rocrouting-otel-collector")) {
    // A worker also holds one connection of its own, outside its pool, to hear roster changes.
    const own = w.metadata.name === "rocrouting-worker" ? 1 : 0;
    total += (w.kind === "Job" ? 1 : most(w.metadata.name)) * (pool(w) + own);
  }
  need(db ?? { kind: "Cluster", metadata: {} }, total + 10 <= max, `connection budget: the pools may open ${total}, max_connections is ${max} (10 kept for the operator)`);
  console.log(`${overlay}: ${docs.length} resources; the pools may open ${total} of ${max} connections`);
}

if (problems.length > 0) {
  console.error(`${overlay}: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`${overlay}: valid`);

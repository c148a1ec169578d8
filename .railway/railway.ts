// Railway Infrastructure as Code for Laurel: `railway config plan`, then
// `railway config apply`. Full steps: docs/platforms.md.
// Reference: https://docs.railway.com/infrastructure-as-code/reference
//
//   web      the Dockerfile's image (gunicorn); `flask db upgrade` runs as
//            the pre-deploy command before each deploy goes live
//   checker  the same image as a cron service running `flask events check`
//   postgres Railway Postgres
//   storage  a Railway bucket (S3-compatible) for certificates
import { bucket, defineRailway, postgres, ref, service } from "railway/iac";
import type { VariableConfig } from "railway/iac";

// The project's and services' names, set here only.
const PROJECT = "laurel";
const WEB = "web";
const CHECKER = "checker";

// Railway injects PORT into the web service; gunicorn binds it.
const build = { builder: "DOCKERFILE", dockerfilePath: "Dockerfile" } as const;

// A Railway reference inside a longer value, e.g. "https://${{web.RAILWAY_PUBLIC_DOMAIN}}".
const reference = (name: string): string => "${{" + name + "}}";

// Generated once per environment by Railway and never shown in a plan.
const generatedSecret = (description: string): VariableConfig => ({
  description,
  generator: "secret(64)",
  isSealed: true,
});

export default defineRailway((_ctx, project) => {
  const db = postgres("postgres");
  const storage = bucket("storage", { region: "iad" });

  // What both services need to reach the database and the bucket.
  const shared = {
    DATABASE_URL: db.env.DATABASE_URL,
    // app/config.py turns BUCKET_NAME into STORAGE_URL=s3://<bucket>.
    BUCKET_NAME: ref(storage, "BUCKET"),
    S3_ENDPOINT_URL: ref(storage, "ENDPOINT"),
    AWS_REGION: ref(storage, "REGION"),
    AWS_ACCESS_KEY_ID: ref(storage, "ACCESS_KEY_ID"),
    AWS_SECRET_ACCESS_KEY: ref(storage, "SECRET_ACCESS_KEY"),
    // Railway buckets are addressed virtual-host style.
    S3_ADDRESSING_STYLE: "virtual",
    CHECKER_EXPECTED_INTERVAL_SECONDS: "900",
  };

  const web = service(WEB, {
    build,
    preDeploy: "flask db upgrade",
    healthcheck: "/healthz",
    healthcheckTimeout: 60,
    deploy: {
      restartPolicyType: "ON_FAILURE",
      restartPolicyMaxRetries: 5,
      // SIGTERM, then this long before SIGKILL; gunicorn needs 25 s at most.
      drainingSeconds: 30,
    },
    env: {
      ...shared,
      SECRET_KEY: generatedSecret("Signs sessions and links (Laurel's SECRET_KEY)."),
      CRON_SECRET: generatedSecret("Bearer token for /api/cron/check-events."),
      BASE_URL: "https://" + reference("RAILWAY_PUBLIC_DOMAIN"),
      WEB_CONCURRENCY: "2",
    },
  });

  // Cron services run the command on schedule and must exit; 5 minutes is
  // Railway's finest schedule, 15 matches CHECKER_EXPECTED_INTERVAL_SECONDS.
  const checker = service(CHECKER, {
    build,
    start: "flask events check",
    deploy: {
      cronSchedule: "*/15 * * * *",
      restartPolicyType: "NEVER",
    },
    env: {
      ...shared,
      SECRET_KEY: web.env.SECRET_KEY,
      CRON_SECRET: web.env.CRON_SECRET,
      BASE_URL: "https://" + reference(`${WEB}.RAILWAY_PUBLIC_DOMAIN`),
    },
  });

  return project(PROJECT, {
    resources: [db, storage, web, checker],
  });
});

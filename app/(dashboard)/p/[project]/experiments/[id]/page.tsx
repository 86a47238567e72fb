import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageRole } from "@/lib/auth/session";
import { hasRole } from "@/lib/projects/roles";
import { isAppError } from "@/lib/errors";
import { getExperiment } from "@/lib/experiments/queries";
import { listDatasets } from "@/lib/datasets/queries";
import { getPromptByName } from "@/lib/prompts/queries";
import { describeReleaseRule, getReleaseRules, releaseRuleFor } from "@/lib/prompts/release-rules";
import { ExperimentResultsClient } from "@/components/experiments/results-client";
import { previewPromoteAction, promoteAction, resumeVariantAction, sendTrafficAction, setWeightsAction, transitionExperimentAction } from "../actions";

const actions = {
  transition: transitionExperimentAction,
  setWeights: setWeightsAction,
  promote: promoteAction,
  previewPromote: previewPromoteAction,
  resumeVariant: resumeVariantAction,
  sendTraffic: sendTrafficAction,
};

export const metadata: Metadata = { title: "Experiment results" };

// /p/:project/experiments/:id - verdict, per-variant statistics, charts, controls (EDITOR+).
export default async function ExperimentPage({ params }: { params: Promise<{ project: string; id: string }> }) {
  const { project: slug, id } = await params;
  const access = await requirePageRole(slug, "VIEWER");
  let labelProtected = false;
  let labelApproval: string | null = null;
  try {
    const experiment = await getExperiment(access.project.id, id);
    const [prompt, rules] = await Promise.all([getPromptByName(access.project.id, experiment.prompt.name), getReleaseRules(access.project.id)]);
    labelProtected = prompt.labels.some((l) => l.name === experiment.label && l.protected);
    const rule = releaseRuleFor(rules, experiment.label);
    labelApproval = rule ? describeReleaseRule(rule) : null;
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
  // Datasets with items, for the send-traffic form's dataset option.
  const datasets = (await listDatasets(access.project.id))
    .filter((d) => d.itemCount > 0)
    .map((d) => ({ name: d.name, latestVersion: d.latestVersion, itemCount: d.itemCount }));
  return (
    <ExperimentResultsClient
      project={access.project.slug}
      id={id}
      canEdit={hasRole(access.role, "EDITOR")}
      isAdmin={hasRole(access.role, "ADMIN")}
      actions={actions}
      datasets={datasets}
      labelProtected={labelProtected}
      labelApproval={labelApproval}
    />
  );
}

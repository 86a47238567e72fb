import { LockIcon } from "@/components/icons";
import { Badge } from "@/components/ui";

/** A label chip: production green, staging accent, others neutral; a lock when protected. */
export function LabelBadge({ name, version, protected: isProtected }: { name: string; version?: string; protected: boolean }) {
  return (
    <Badge
      tone={name === "production" ? "success" : name === "staging" ? "accent" : "neutral"}
      title={isProtected ? "Protected: only admins can move this label" : undefined}
      data-testid={`label-${name}`}
    >
      {isProtected ? <LockIcon width={10} height={10} /> : null}
      {name}
      {version ? <span className="font-mono opacity-75">v{version}</span> : null}
    </Badge>
  );
}

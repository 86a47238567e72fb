import { AuthCard } from "@/components/auth-card";
import { ButtonLink } from "@/components/ui";

export default function NotFound() {
  return (
    <AuthCard title="Page not found" subtitle="It may have moved, or you may not have access to it.">
      <ButtonLink href="/" data-testid="not-found">
        Go to your projects
      </ButtonLink>
    </AuthCard>
  );
}

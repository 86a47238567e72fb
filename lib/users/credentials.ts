import { z } from "zod";

/**
 * The sign-in form contract, shared by the sign-in page (to show input errors before a round
 * trip) and the credentials provider (which never trusts the client).
 */
export const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address")),
  password: z.string().min(1, "Enter your password").max(1024, "Password is too long"),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/** The one message shown for an unknown email or a wrong password (never say which). */
export const INVALID_CREDENTIALS_MESSAGE = "Invalid email or password";

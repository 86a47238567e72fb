import { notFound } from "next/navigation";
import { isAppError } from "@/lib/errors";

/** Awaits a page's main lookup; a `not_found` AppError renders the 404 page, anything else throws. */
export async function orNotFound<T>(load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

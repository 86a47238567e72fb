"use server";

import { revalidatePath } from "next/cache";
import { getCurrentSessionId } from "@/lib/auth/session";
import { defineAction } from "@/lib/http/server-action";
import { changeName, changeNameInputSchema, changePassword, changePasswordInputSchema } from "@/lib/users/account";

// Changes the signed-in user's display name.
export const changeNameAction = defineAction({ signedIn: true, input: changeNameInputSchema }, async (input, user) => {
  const changed = await changeName(user.id, input);
  revalidatePath("/", "layout");
  return changed;
});

// Changes the signed-in user's password (current one required); every other session ends, this one stays.
export const changePasswordAction = defineAction(
  { signedIn: true, input: changePasswordInputSchema, invalidMessage: "Check the highlighted fields" },
  async (input, user) => {
    const changed = await changePassword(user.id, await getCurrentSessionId(), input);
    // The page counts the other open sessions; after the change there are none.
    revalidatePath("/account");
    return changed;
  },
);

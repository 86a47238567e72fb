// `npm run db:seed`: seeds the demo data into DATABASE_URL, but only when the database has no
// users at all (it never touches a database someone is using). Prints the demo credentials.
import { getDb } from "@/lib/db/client";
import { seedDemo } from "@/prisma/seed";

const db = getDb();
try {
  const users = await db.user.count();
  if (users > 0) {
    console.log(`The database already has ${users} user(s); not seeding the demo data.`);
  } else {
    const started = Date.now();
    const creds = await seedDemo(db);
    console.log(`Seeded the demo data in ${Date.now() - started} ms.`);
    console.log(`  project:  /p/${creds.projectSlug}`);
    console.log(`  admin:    ${creds.adminEmail} / ${creds.password}`);
    console.log(`  viewer:   ${creds.viewerEmail} / ${creds.password}`);
    console.log(`  API key:  ${creds.apiKey} (every scope; demo only)`);
  }
} catch (error) {
  console.error("Seeding failed:", error instanceof Error ? error.message : error);
  if (error instanceof Error && /does not exist/.test(error.message)) {
    console.error("Run `npm run db:migrate` first.");
  }
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}

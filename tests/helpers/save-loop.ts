// Child process for the kill-during-save test: saves the project over and over,
// each time with a larger payload, printing the generation it just committed.
import { writeProject, readProject } from '../../src/host/project-store';

const dir = process.argv[2];
const project = await readProject(dir);
for (let gen = 1; ; gen++) {
  project.name = `gen-${gen}`;
  // A payload large enough that a write takes a while, so kills land mid-write.
  project.ui = { panes: Object.fromEntries(Array.from({ length: 2000 + (gen % 7) * 500 }, (_, i) => [`pane${i}`, gen])) };
  await writeProject(dir, project);
  process.stdout.write(`${gen}\n`);
}

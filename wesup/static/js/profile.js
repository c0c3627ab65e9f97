// Your account: the notification and sound switches of this browser (notify.js keeps them
// in localStorage), the same controls as on the task pages.

import { readJSON } from "./dom.js";
import { startNotifier } from "./notify.js";

startNotifier({ me: readJSON("page-data").me });

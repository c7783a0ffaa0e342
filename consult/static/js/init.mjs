// Start GOV.UK Frontend's components. Pages work without this; it adds conveniences.
import { initAll } from "../govuk-frontend/govuk-frontend.min.js";

initAll();

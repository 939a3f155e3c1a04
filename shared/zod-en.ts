/**
 * zod/mini ships without error messages ("Invalid input" for everything). Importing this module
 * loads the English locale once per process, so issues read "Invalid URL", "Too small: …" as with
 * classic zod. Every module that defines schemas imports it, so the messages do not depend on
 * which entry point (function, test, script) happens to load a schema first.
 *
 * `en` comes from `zod/locales`, not `z.locales.en`: the namespace drags all ~50 locales
 * (~200 kB minified) into the bundle, the named import only English.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

export { diagnose, type DoctorCheck, type DoctorReport, type DoctorInput, type CheckStatus } from './checks.js';
